"""The delegate agent: ``awsconn delegate run``.

A delegate runs where an AWS identity lives (an EC2 instance role, an EKS pod with IRSA
or Pod Identity, a machine with keys or profiles) and lends it to an awsconn server:
it connects outbound only, registers with its tags and capabilities, runs its init
script once, heartbeats, takes tasks over a long poll, runs each with its own ambient
AWS identity (or the keys the server sends for that task only) and posts the result.

- ``options``: what ``delegate run`` takes, checked.
- ``probe``: what this machine offers (task kinds, AWS identities, tools, versions).
- ``init_script``: the init script, run once, its exit status and output tail.
- ``agent``: the lifecycle (register, heartbeat, take, run, finish, stop, reconnect).
- ``worker``: one task: run it (``service.task_execution``) and post its outcome.
- ``log_redaction``: secret values out of every log line.
"""
