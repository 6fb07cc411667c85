#!/bin/sh
# azd postprovision hook: writes src/Prescient.Functions/local.settings.json (gitignored) from the azd environment's
# outputs, so the Functions app runs locally against the deployed storage and Event Hubs with the developer's own
# identity (DefaultAzureCredential: `azd auth login` / `az login`; the deploying user holds the same data roles as
# the app). The settings are the ones in docs/settings.md, minus the Azure-only ones (credential, clientId,
# AZURE_CLIENT_ID, Application Insights). The local run gets its own Durable task hub so it does not take the
# deployed app's orchestration work items, and the deployed window partitions (it shares the windows table).
#
# Environment: the outputs of infra/main.bicep (azd exports them to hooks). PRESCIENT_LOCAL_SETTINGS_PATH overrides
# the output file; PRESCIENT_LOCAL_TASKHUB the local task hub name (default: the deployed one + "local").
set -eu

root=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
out=${PRESCIENT_LOCAL_SETTINGS_PATH:-$root/src/Prescient.Functions/local.settings.json}

missing=""
for name in AZURE_STORAGE_BLOB_ENDPOINT AZURE_STORAGE_QUEUE_ENDPOINT AZURE_STORAGE_TABLE_ENDPOINT \
  AZURE_EVENTHUBS_FULLY_QUALIFIED_NAMESPACE PRESCIENT_TELEMETRY_HUB PRESCIENT_TELEMETRY_CONSUMER_GROUP \
  PRESCIENT_TELEMETRY_QUEUE PRESCIENT_TASKHUB PRESCIENT_INGEST_SCHEDULE PRESCIENT_EVALUATE_SCHEDULE \
  PRESCIENT_RETRAIN_SCHEDULE PRESCIENT_WINDOW_PARTITIONS; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || missing="$missing $name"
done
if [ -n "$missing" ]; then
  echo "postprovision: missing environment values:$missing" >&2
  echo "postprovision: run it through azd (azd provision / azd hooks run postprovision) after a successful provision." >&2
  exit 1
fi

# JSON string contents: escape backslashes and double quotes (values are URIs, names and schedules).
json() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }

local_taskhub=${PRESCIENT_LOCAL_TASKHUB:-${PRESCIENT_TASKHUB}local}

mkdir -p "$(dirname -- "$out")"
tmp="$out.tmp.$$"
cat > "$tmp" <<JSON
{
  "IsEncrypted": false,
  "Values": {
    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
    "AzureWebJobsStorage__blobServiceUri": "$(json "$AZURE_STORAGE_BLOB_ENDPOINT")",
    "AzureWebJobsStorage__queueServiceUri": "$(json "$AZURE_STORAGE_QUEUE_ENDPOINT")",
    "AzureWebJobsStorage__tableServiceUri": "$(json "$AZURE_STORAGE_TABLE_ENDPOINT")",
    "PrescientStorage__blobServiceUri": "$(json "$AZURE_STORAGE_BLOB_ENDPOINT")",
    "PrescientStorage__queueServiceUri": "$(json "$AZURE_STORAGE_QUEUE_ENDPOINT")",
    "PrescientStorage__tableServiceUri": "$(json "$AZURE_STORAGE_TABLE_ENDPOINT")",
    "TelemetryHub__fullyQualifiedNamespace": "$(json "$AZURE_EVENTHUBS_FULLY_QUALIFIED_NAMESPACE")",
    "PRESCIENT_TELEMETRY_HUB": "$(json "$PRESCIENT_TELEMETRY_HUB")",
    "PRESCIENT_TELEMETRY_CONSUMER_GROUP": "$(json "$PRESCIENT_TELEMETRY_CONSUMER_GROUP")",
    "PRESCIENT_TELEMETRY_QUEUE": "$(json "$PRESCIENT_TELEMETRY_QUEUE")",
    "PRESCIENT_TASKHUB": "$(json "$local_taskhub")",
    "PRESCIENT_INGEST_SCHEDULE": "$(json "$PRESCIENT_INGEST_SCHEDULE")",
    "PRESCIENT_EVALUATE_SCHEDULE": "$(json "$PRESCIENT_EVALUATE_SCHEDULE")",
    "PRESCIENT_RETRAIN_SCHEDULE": "$(json "$PRESCIENT_RETRAIN_SCHEDULE")",
    "Prescient__Pipeline__Windows__Partitions": "$(json "$PRESCIENT_WINDOW_PARTITIONS")"
  }
}
JSON
mv "$tmp" "$out"
echo "postprovision: wrote $out"
