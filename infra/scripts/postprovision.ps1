# azd postprovision hook (Windows): same as postprovision.sh. Writes src/Prescient.Functions/local.settings.json
# (gitignored) from the azd environment's outputs; see that script for what and why.
$ErrorActionPreference = 'Stop'

$root = Resolve-Path (Join-Path $PSScriptRoot '../..')
$out = if ($env:PRESCIENT_LOCAL_SETTINGS_PATH) { $env:PRESCIENT_LOCAL_SETTINGS_PATH } else { Join-Path $root 'src/Prescient.Functions/local.settings.json' }

$required = @(
  'AZURE_STORAGE_BLOB_ENDPOINT', 'AZURE_STORAGE_QUEUE_ENDPOINT', 'AZURE_STORAGE_TABLE_ENDPOINT',
  'AZURE_EVENTHUBS_FULLY_QUALIFIED_NAMESPACE', 'PRESCIENT_TELEMETRY_HUB', 'PRESCIENT_TELEMETRY_CONSUMER_GROUP',
  'PRESCIENT_TELEMETRY_QUEUE', 'PRESCIENT_TASKHUB', 'PRESCIENT_INGEST_SCHEDULE', 'PRESCIENT_EVALUATE_SCHEDULE',
  'PRESCIENT_RETRAIN_SCHEDULE', 'PRESCIENT_WINDOW_PARTITIONS')
$missing = @($required | Where-Object { -not [Environment]::GetEnvironmentVariable($_) })
if ($missing.Count -gt 0) {
  throw "postprovision: missing environment values: $($missing -join ' '). Run it through azd after a successful provision."
}
$v = { param($name) [Environment]::GetEnvironmentVariable($name) }
$localTaskHub = if ($env:PRESCIENT_LOCAL_TASKHUB) { $env:PRESCIENT_LOCAL_TASKHUB } else { "$($env:PRESCIENT_TASKHUB)local" }

$values = [ordered]@{
  'FUNCTIONS_WORKER_RUNTIME'              = 'dotnet-isolated'
  'AzureWebJobsStorage__blobServiceUri'   = & $v 'AZURE_STORAGE_BLOB_ENDPOINT'
  'AzureWebJobsStorage__queueServiceUri'  = & $v 'AZURE_STORAGE_QUEUE_ENDPOINT'
  'AzureWebJobsStorage__tableServiceUri'  = & $v 'AZURE_STORAGE_TABLE_ENDPOINT'
  'PrescientStorage__blobServiceUri'      = & $v 'AZURE_STORAGE_BLOB_ENDPOINT'
  'PrescientStorage__queueServiceUri'     = & $v 'AZURE_STORAGE_QUEUE_ENDPOINT'
  'PrescientStorage__tableServiceUri'     = & $v 'AZURE_STORAGE_TABLE_ENDPOINT'
  'TelemetryHub__fullyQualifiedNamespace' = & $v 'AZURE_EVENTHUBS_FULLY_QUALIFIED_NAMESPACE'
  'PRESCIENT_TELEMETRY_HUB'               = & $v 'PRESCIENT_TELEMETRY_HUB'
  'PRESCIENT_TELEMETRY_CONSUMER_GROUP'    = & $v 'PRESCIENT_TELEMETRY_CONSUMER_GROUP'
  'PRESCIENT_TELEMETRY_QUEUE'             = & $v 'PRESCIENT_TELEMETRY_QUEUE'
  'PRESCIENT_TASKHUB'                     = $localTaskHub
  'PRESCIENT_INGEST_SCHEDULE'             = & $v 'PRESCIENT_INGEST_SCHEDULE'
  'PRESCIENT_EVALUATE_SCHEDULE'           = & $v 'PRESCIENT_EVALUATE_SCHEDULE'
  'PRESCIENT_RETRAIN_SCHEDULE'            = & $v 'PRESCIENT_RETRAIN_SCHEDULE'
  'Prescient__Pipeline__Windows__Partitions' = & $v 'PRESCIENT_WINDOW_PARTITIONS'
}
New-Item -ItemType Directory -Force -Path (Split-Path -Parent $out) | Out-Null
[ordered]@{ IsEncrypted = $false; Values = $values } | ConvertTo-Json -Depth 3 | Set-Content -Path $out -Encoding utf8
Write-Host "postprovision: wrote $out"
