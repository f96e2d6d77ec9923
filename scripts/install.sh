#!/bin/sh
# Install the project into a Python environment from the lock: the one recipe `make install` and the
# Dockerfile both run, in two steps so that the image caches the dependencies apart from the code.
#
#   scripts/install.sh PYTHON deps [EXTRA]   the dependencies of pyproject.toml (and of the extra, e.g. dev)
#                                            and of the generated client, at the versions of constraints.txt
#   scripts/install.sh PYTHON project        the project and the generated client, editable, without
#                                            dependencies, then `pip check` that the lock satisfied them
#
# The deps step reads only pyproject.toml, generated_client/pyproject.toml and constraints.txt, so the
# Dockerfile copies those three files before the code and a code change keeps the dependency layer.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 PYTHON deps [EXTRA] | $0 PYTHON project" >&2
    exit 2
fi
python=$1
step=$2
extra=${3:-}
cd "$(dirname "$0")/.."

case "$step" in
deps)
    requirements=$(mktemp)
    trap 'rm -f "$requirements"' EXIT
    "$python" - "$extra" > "$requirements" <<'EOF'
import sys
import tomllib

extra = sys.argv[1]
with open("pyproject.toml", "rb") as file:
    project = tomllib.load(file)["project"]
with open("generated_client/pyproject.toml", "rb") as file:
    client = tomllib.load(file)["project"]
wanted = project["dependencies"] + client["dependencies"]
if extra:
    wanted += project["optional-dependencies"][extra]
print("\n".join(wanted))
EOF
    "$python" -m pip install --quiet --upgrade pip
    "$python" -m pip install --quiet -c constraints.txt -r "$requirements"
    ;;
project)
    "$python" -m pip install --quiet --no-deps -e . -e ./generated_client
    "$python" -m pip check
    ;;
*)
    echo "$0: unknown step '$step' (deps or project)" >&2
    exit 2
    ;;
esac
