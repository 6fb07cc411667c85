// Every role assignment of the deployment, in one place.
//   Storage account:      Storage Blob Data Owner, Storage Queue Data Contributor, Storage Table Data Contributor
//   Event Hubs namespace: Azure Event Hubs Data Receiver, Azure Event Hubs Data Sender
//   Application Insights: Monitoring Metrics Publisher
// each to the app's user-assigned identity and, when given, to the deploying user (local runs against Azure);
//   Key Vault:            Key Vault Secrets User to the app's identity (reads the secrets its settings reference),
//                         Key Vault Secrets Officer to the deploying user (sets them; see docs/deploy.md);
//   Telemetry hub:        Azure Event Hubs Data Sender to each agent fleet principal.
param storageAccountName string
param eventHubsNamespaceName string
param telemetryHubName string
param applicationInsightsName string
param keyVaultName string

@description('Principal (object) id of the Function App\'s user-assigned identity.')
param appPrincipalId string

@description('Object id of the deploying user; empty for none.')
param userPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param userPrincipalType string = 'User'

@description('Object ids of agent fleet principals that may send telemetry.')
param agentSenderPrincipalIds array = []

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  eventHubsDataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

var principals = concat(
  [{ id: appPrincipalId, type: 'ServicePrincipal' }],
  empty(userPrincipalId) ? [] : [{ id: userPrincipalId, type: userPrincipalType }]
)

// One entry per (principal, role) pair at each scope.
var storageAssignments = flatten(map(principals, p => map(
  [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor],
  r => { principalId: p.id, principalType: p.type, roleId: r })))
var eventHubsAssignments = flatten(map(principals, p => map(
  [roles.eventHubsDataReceiver, roles.eventHubsDataSender],
  r => { principalId: p.id, principalType: p.type, roleId: r })))
var monitoringAssignments = map(principals, p => {
  principalId: p.id
  principalType: p.type
  roleId: roles.monitoringMetricsPublisher
})

// The app reads secrets; the deploying user (not a pipeline's principal-less run) sets them.
var keyVaultAssignments = concat(
  [{ principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roles.keyVaultSecretsUser }],
  empty(userPrincipalId) ? [] : [{ principalId: userPrincipalId, principalType: userPrincipalType, roleId: roles.keyVaultSecretsOfficer }]
)

resource storageAccount 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource eventHubsNamespace 'Microsoft.EventHub/namespaces@2026-01-01' existing = {
  name: eventHubsNamespaceName

  resource telemetryHub 'eventhubs' existing = {
    name: telemetryHubName
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in storageAssignments: {
    name: guid(storageAccount.id, a.principalId, a.roleId)
    scope: storageAccount
    properties: {
      principalId: a.principalId
      principalType: a.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
    }
  }
]

resource eventHubsRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in eventHubsAssignments: {
    name: guid(eventHubsNamespace.id, a.principalId, a.roleId)
    scope: eventHubsNamespace
    properties: {
      principalId: a.principalId
      principalType: a.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
    }
  }
]

resource monitoringRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in monitoringAssignments: {
    name: guid(applicationInsights.id, a.principalId, a.roleId)
    scope: applicationInsights
    properties: {
      principalId: a.principalId
      principalType: a.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
    }
  }
]

resource keyVault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource keyVaultRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in keyVaultAssignments: {
    name: guid(keyVault.id, a.principalId, a.roleId)
    scope: keyVault
    properties: {
      principalId: a.principalId
      principalType: a.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleId)
    }
  }
]

resource agentSenderRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for agentPrincipalId in agentSenderPrincipalIds: {
    name: guid(eventHubsNamespace::telemetryHub.id, agentPrincipalId, roles.eventHubsDataSender)
    scope: eventHubsNamespace::telemetryHub
    properties: {
      principalId: agentPrincipalId
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataSender)
    }
  }
]

output assignmentCount int = length(storageAssignments) + length(eventHubsAssignments) + length(monitoringAssignments) + length(keyVaultAssignments) + length(agentSenderPrincipalIds)
