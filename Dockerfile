# The delegate image: `awsconn delegate run` as a non-root user (uid/gid 10001, the user
# `awsconn delegate manifest` runs its pods as).
#
#   docker build -t awsconn-delegate:0.1.0 .
#   docker build --build-arg AWS_CLI=true -t awsconn-delegate:0.1.0-awscli .   # with AWS CLI v2
#
# A build stage makes wheels of awsconn and everything it needs; the image installs them
# without reaching an index. awsconn's own dependencies are all the delegate needs (the
# agent speaks HTTP with httpx and AWS with botocore): there is no extra to install. The
# AWS CLI is only needed by tools an init script runs (e.g. Serverless with an STS role).
# An init script runs as this user: it installs into ~/.local (on PATH), e.g.
# `npm install -g --prefix ~/.local serverless` in an image FROM this one with Node.js.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS wheels
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG AWS_CLI=false
ARG TARGETARCH
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN set -eux; \
    if [ "$AWS_CLI" = "true" ]; then \
        apt-get update; \
        apt-get install -y --no-install-recommends ca-certificates curl unzip; \
        case "${TARGETARCH:-amd64}" in arm64) arch=aarch64 ;; *) arch=x86_64 ;; esac; \
        curl -fsSL "https://awscli.amazonaws.com/awscli-exe-linux-${arch}.zip" -o /tmp/awscliv2.zip; \
        unzip -q /tmp/awscliv2.zip -d /tmp; \
        /tmp/aws/install; \
        rm -rf /tmp/aws /tmp/awscliv2.zip; \
        apt-get purge -y curl unzip; \
        apt-get autoremove -y; \
        rm -rf /var/lib/apt/lists/*; \
        aws --version; \
    elif [ "$AWS_CLI" != "false" ]; then \
        echo "AWS_CLI is true or false, not '$AWS_CLI'" >&2; exit 2; \
    fi
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels awsconn \
    && rm -rf /wheels
RUN groupadd --gid 10001 awsconn \
    && useradd --uid 10001 --gid 10001 --home-dir /home/awsconn --create-home \
       --shell /usr/sbin/nologin awsconn
USER 10001:10001
WORKDIR /home/awsconn
ENV AWSCONN_HOME=/home/awsconn/.awsconn \
    PATH=/home/awsconn/.local/bin:$PATH
# outbound connections only: nothing to EXPOSE
ENTRYPOINT ["awsconn", "delegate", "run"]
