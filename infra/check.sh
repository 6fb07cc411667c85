#!/usr/bin/env bash
# Infrastructure checks (run by .ci/run before the tests; fast, no Azure):
#   1. bicep build and bicep lint of infra/main.bicep print no Warning or Error (both exit 0 on warnings such as
#      unknown properties, so their output is what is judged);
#   2. azure.yaml is valid against the Azure Developer CLI schema in ../shared/schemas (skipped, with a message,
#      when that folder is absent).
# The Bicep CLI comes from the NuGet package Azure.Bicep.CommandLine.linux-x64 and is cached in
# $PRESCIENT_TOOLS_CACHE (default ~/.cache/prescient); BICEP=/path/to/bicep uses another binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bicep_version=0.49.2
cache=${PRESCIENT_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/prescient}
failures=0

install_bicep() {
  local dir="$cache/bicep/$bicep_version"
  if [[ ! -x "$dir/bicep" ]]; then
    echo "installing Bicep CLI $bicep_version (NuGet Azure.Bicep.CommandLine.linux-x64) into $dir"
    local tmp
    tmp=$(mktemp -d)
    dotnet package download "Azure.Bicep.CommandLine.linux-x64@$bicep_version" --output "$tmp" >"$tmp/log" 2>&1 \
      || { cat "$tmp/log" >&2; echo "check: could not download the Bicep CLI" >&2; exit 1; }
    local found
    found=$(find "$tmp" -path '*/tools/bicep' -type f | head -n 1)
    [[ -n "$found" ]] || { echo "check: the package has no tools/bicep" >&2; exit 1; }
    mkdir -p "$dir"
    cp "$found" "$dir/bicep.partial"
    chmod +x "$dir/bicep.partial"
    mv "$dir/bicep.partial" "$dir/bicep"
    rm -rf "$tmp"
  fi
  BICEP="$dir/bicep"
}

# Runs a Bicep command; fails when it exits non-zero or prints a Warning or Error diagnostic.
bicep_step() {
  local name=$1
  shift
  local log
  log=$(mktemp)
  local rc=0
  "$BICEP" "$@" >"$log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]] || grep -Eq ' : (Warning|Error) ' "$log"; then
    echo "FAIL bicep $name (exit $rc):"
    sed 's/^/  /' "$log"
    failures=$((failures + 1))
  else
    echo "ok   bicep $name"
  fi
  rm -f "$log"
}

echo "-- Bicep"
if [[ -z "${BICEP:-}" ]]; then install_bicep; fi
"$BICEP" --version
out=$(mktemp -d)
bicep_step "build infra/main.bicep" build infra/main.bicep --outfile "$out/main.json"
bicep_step "lint infra/main.bicep" lint infra/main.bicep
# The generated ARM template must parameterise what main.parameters.json passes.
if [[ -f "$out/main.json" ]]; then
  node -e '
    const fs = require("fs");
    const tpl = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const given = Object.keys(JSON.parse(fs.readFileSync(process.argv[2], "utf8")).parameters);
    const declared = tpl.parameters;
    const unknown = given.filter(p => !(p in declared));
    const missing = Object.keys(declared).filter(p => !("defaultValue" in declared[p]) && !given.includes(p));
    if (unknown.length || missing.length) {
      console.log("FAIL main.parameters.json: unknown " + JSON.stringify(unknown) + ", required but missing " + JSON.stringify(missing));
      process.exit(1);
    }
    console.log("ok   main.parameters.json matches the template (" + given.length + " of " + Object.keys(declared).length + " parameters given)");
  ' "$out/main.json" infra/main.parameters.json || failures=$((failures + 1))
fi
rm -rf "$out"

echo "-- azure.yaml"
schemas="$root/../shared/schemas"
if [[ ! -f "$schemas/azure.yaml.schema.json" ]]; then
  echo "skip azure.yaml schema check: $schemas/azure.yaml.schema.json is absent (it lives in shared/ beside the clone)"
else
  (cd infra/tools && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  if (cd infra/tools && ./node_modules/.bin/ajv validate --spec=draft2019 --strict=false --all-errors -c ajv-formats \
      -s "$schemas/azure.yaml.schema.json" -r "$schemas/azure-yaml-stubs/*.json" -d "$root/azure.yaml"); then
    echo "ok   azure.yaml is valid against azd's schema"
  else
    echo "FAIL azure.yaml schema validation"
    failures=$((failures + 1))
  fi
fi

if [[ $failures -ne 0 ]]; then
  echo "infra checks: $failures failed"
  exit 1
fi
echo "infra checks: all passed"
