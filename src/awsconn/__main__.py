import sys

from awsconn.cli import main

sys.exit(main())
