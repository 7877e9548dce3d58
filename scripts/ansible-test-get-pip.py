"""Stand-in for the get-pip bootstrap that ansible-test downloads.

ansible-test's import and validate-modules sanity tests build virtualenvs
without pip and fetch a bootstrap script from a host this network cannot
reach. This script does the same job from Python's own bundled pip
(ensurepip), then installs what ansible-test asked for from the machine's
configured index. It takes get-pip's arguments: pip options, package
specifiers, and --no-setuptools / --no-wheel.
"""

import ensurepip
import os
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
unwanted = [name for flag, name in (("--no-setuptools", "setuptools"), ("--no-wheel", "wheel")) if flag in sys.argv]

environ = dict(os.environ)  # ensurepip switches pip's configuration off in os.environ
ensurepip.bootstrap(upgrade=True)

# In child processes: pip replaces itself, which an in-process pip cannot survive.
pip = [sys.executable, "-m", "pip"]
rc = subprocess.call([*pip, "install", *args], env=environ)  # noqa: S603
if rc == 0 and unwanted:
    rc = subprocess.call([*pip, "uninstall", "--yes", *unwanted], env=environ)  # noqa: S603
sys.exit(rc)
