// The Function App on the Flex Consumption plan: .NET isolated worker, runs as the user-assigned identity, deploys
// from a blob container with that identity, and reaches storage, Event Hubs and Application Insights with it.
// `appSettings` below is the one list of settings the app gets in Azure; tests/Prescient.Infra.Tests checks it
// against src/Prescient.Pipeline/Configuration/AppSettingNames.cs and docs/settings.md.
param name string
param planName string
param location string
param tags object

@description('The azd service name (azure.yaml) this app hosts.')
param serviceName string

param identityName string
param storageAccountName string
param deploymentContainerName string
param eventHubsNamespaceName string
param applicationInsightsName string
param telemetryHubName string
param telemetryConsumerGroupName string
param telemetryQueueName string
param taskHubName string
param ingestSchedule string
param evaluateSchedule string
param retrainSchedule string
param dotnetVersion string

@description('Base URI of the fleet\'s hypervisor endpoints; empty = migrations disabled.')
param hypervisorFleetBaseUri string

@description('The Key Vault holding the hypervisor fleet secret (read through a Key Vault reference).')
param keyVaultName string

@description('Name of the fleet secret in that vault (its value is set by the operator, never by the template).')
param hypervisorFleetSecretName string

@allowed([512, 2048, 4096])
param instanceMemoryMB int

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Table partitions the window store spreads hosts over (fixed for the life of the windows table; docs/scale.md).')
@minValue(1)
@maxValue(1000)
param windowPartitions int

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var blobEndpoint = storageAccount.properties.primaryEndpoints.blob
var queueEndpoint = storageAccount.properties.primaryEndpoints.queue
var tableEndpoint = storageAccount.properties.primaryEndpoints.table
var clientId = identity.properties.clientId
// Resolved by App Service with the identity in keyVaultReferenceIdentity; the value never passes through the template.
var fleetSecretReference = '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${hypervisorFleetSecretName})'

// BEGIN appSettings (parsed by tests/Prescient.Infra.Tests: one `Name: value` per line)
var appSettings = {
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: clientId
  PrescientStorage__blobServiceUri: blobEndpoint
  PrescientStorage__queueServiceUri: queueEndpoint
  PrescientStorage__tableServiceUri: tableEndpoint
  PrescientStorage__credential: 'managedidentity'
  PrescientStorage__clientId: clientId
  TelemetryHub__fullyQualifiedNamespace: '${eventHubsNamespaceName}.servicebus.windows.net'
  TelemetryHub__credential: 'managedidentity'
  TelemetryHub__clientId: clientId
  PRESCIENT_TELEMETRY_HUB: telemetryHubName
  PRESCIENT_TELEMETRY_CONSUMER_GROUP: telemetryConsumerGroupName
  PRESCIENT_TELEMETRY_QUEUE: telemetryQueueName
  PRESCIENT_TASKHUB: taskHubName
  PRESCIENT_INGEST_SCHEDULE: ingestSchedule
  PRESCIENT_EVALUATE_SCHEDULE: evaluateSchedule
  PRESCIENT_RETRAIN_SCHEDULE: retrainSchedule
  Prescient__Pipeline__Windows__Partitions: string(windowPartitions)
  Hypervisor__FleetBaseUri: hypervisorFleetBaseUri
  Hypervisor__FleetSecret: fleetSecretReference
  AZURE_CLIENT_ID: clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${clientId};Authorization=AAD'
}
// END appSettings

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (Hypervisor__FleetSecret) resolve with the user-assigned identity.
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }

  // Deployment goes through the blob container with the identity: no publishing passwords.
  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }

  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
