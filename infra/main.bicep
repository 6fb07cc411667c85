// Prescient in Azure: one resource group with the storage account, the telemetry Event Hubs namespace, monitoring,
// a Key Vault (the hypervisor fleet secret, set by the operator), a user-assigned identity, every role assignment
// (app/rbac.bicep) and the Function App on Flex Consumption.
// Deployed by `azd up` (azure.yaml); parameters come from main.parameters.json and the azd environment.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource (one that offers Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID); gets the same data roles as the app for local runs against Azure. Empty: none.')
param principalId string = ''

@description('Kind of principal principalId is.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Partitions of the telemetry Event Hub (fixed once created on Standard; 1-32).')
@minValue(1)
@maxValue(32)
param telemetryPartitionCount int = 4

@description('Throughput units of the telemetry Event Hubs namespace (Standard: 1-40; each takes 1,000 events/s or 1 MB/s in). 10,000 hosts need 1, 100,000 need 2-4 (docs/scale.md).')
@minValue(1)
@maxValue(40)
param telemetryThroughputUnits int = 1

@description('Days the telemetry Event Hub keeps events (Standard: 1-7).')
@minValue(1)
@maxValue(7)
param telemetryRetentionDays int = 1

@description('Object ids of agent fleets (service principals, managed identities, groups) that get Azure Event Hubs Data Sender on the telemetry hub.')
param agentSenderPrincipalIds array = []

@description('Allow a send-only shared access signature for agents that cannot use Entra ID: turns Event Hubs local auth on and creates a Send-only rule on the telemetry hub. Off by default.')
param agentSasEnabled bool = false

@description('Base URI of the fleet\'s hypervisor endpoints (a fleet agent or the fleet simulator serving hosts/{hostId}/). Empty: the migration workflows are disabled; the app logs why at start-up.')
param hypervisorFleetBaseUri string = ''

@description('Purge protection on the Key Vault (recommended; cannot be turned off once on, and a deleted vault then keeps its name until the retention ends).')
param keyVaultPurgeProtection bool = true

@description('.NET version of the isolated worker on Flex Consumption.')
param dotnetVersion string = '10.0'

@description('Memory of each Flex Consumption instance (MB).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Upper bound on Flex Consumption instances (cost cap).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Table partitions the window store spreads hosts over: fixed for the life of the windows table (the app refuses to start on a table laid out with another count). 16 take 100,000 hosts (docs/scale.md).')
@minValue(1)
@maxValue(1000)
param windowPartitions int = 16

@description('NCRONTAB schedule of the Event Hubs drain timer.')
param ingestSchedule string = '0 */1 * * * *'

@description('NCRONTAB schedule of the evaluate timer (a minute after each 20-minute period closes).')
param evaluateSchedule string = '0 1,21,41 * * * *'

@description('NCRONTAB schedule of the retrain timer (hourly: incremental retrains; a full one when the fleet tree model is a day old).')
param retrainSchedule string = '0 5 * * * *'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, application: 'prescient' }

// Names shared by the resources and the app settings.
var telemetryHubName = 'telemetry'
var telemetryConsumerGroupName = 'prescient'
var telemetryQueueName = 'telemetry'
var taskHubName = 'prescient'
var deploymentContainerName = 'app-package-${resourceToken}'
var hypervisorFleetSecretName = 'hypervisor-fleet-secret'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-prescient-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerNames: [deploymentContainerName]
    queueNames: [telemetryQueueName]
  }
}

module eventHubs 'app/eventhubs.bicep' = {
  name: 'eventhubs'
  scope: rg
  params: {
    name: 'evhns-prescient-${resourceToken}'
    location: location
    tags: tags
    hubName: telemetryHubName
    consumerGroupName: telemetryConsumerGroupName
    partitionCount: telemetryPartitionCount
    throughputUnits: telemetryThroughputUnits
    retentionDays: telemetryRetentionDays
    agentSasEnabled: agentSasEnabled
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    purgeProtection: keyVaultPurgeProtection
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-prescient-${resourceToken}'
    applicationInsightsName: 'appi-prescient-${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    eventHubsNamespaceName: eventHubs.outputs.namespaceName
    telemetryHubName: eventHubs.outputs.hubName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
    agentSenderPrincipalIds: agentSenderPrincipalIds
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: 'func-prescient-${resourceToken}'
    planName: 'plan-prescient-${resourceToken}'
    location: location
    tags: tags
    serviceName: 'functions'
    identityName: identity.outputs.name
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    eventHubsNamespaceName: eventHubs.outputs.namespaceName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    telemetryHubName: eventHubs.outputs.hubName
    telemetryConsumerGroupName: eventHubs.outputs.consumerGroupName
    telemetryQueueName: telemetryQueueName
    taskHubName: taskHubName
    ingestSchedule: ingestSchedule
    evaluateSchedule: evaluateSchedule
    retrainSchedule: retrainSchedule
    dotnetVersion: dotnetVersion
    hypervisorFleetBaseUri: hypervisorFleetBaseUri
    keyVaultName: keyVault.outputs.name
    hypervisorFleetSecretName: hypervisorFleetSecretName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    windowPartitions: windowPartitions
  }
  // The app's identity must hold its data roles before the host starts and reads its storage.
  dependsOn: [rbac]
}

// Outputs become azd environment values (.azure/<env>/.env) and feed hooks/postprovision.sh. No secrets here.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output PRESCIENT_API_URL string = functionApp.outputs.uri
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output AZURE_EVENTHUBS_NAMESPACE string = eventHubs.outputs.namespaceName
output AZURE_EVENTHUBS_FULLY_QUALIFIED_NAMESPACE string = eventHubs.outputs.fullyQualifiedNamespace
output PRESCIENT_TELEMETRY_HUB string = eventHubs.outputs.hubName
output PRESCIENT_TELEMETRY_CONSUMER_GROUP string = eventHubs.outputs.consumerGroupName
output PRESCIENT_TELEMETRY_QUEUE string = telemetryQueueName
output PRESCIENT_TASKHUB string = taskHubName
output PRESCIENT_INGEST_SCHEDULE string = ingestSchedule
output PRESCIENT_EVALUATE_SCHEDULE string = evaluateSchedule
output PRESCIENT_RETRAIN_SCHEDULE string = retrainSchedule
output PRESCIENT_WINDOW_PARTITIONS string = string(windowPartitions)
output PRESCIENT_AGENT_SAS_RULE string = eventHubs.outputs.agentSendRuleName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
