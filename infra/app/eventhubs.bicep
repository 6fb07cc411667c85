// The telemetry Event Hubs namespace (Standard, Entra ID only unless agent SAS is enabled), the telemetry hub and
// Prescient's consumer group.
param name string
param location string
param tags object
param hubName string
param consumerGroupName string

@minValue(1)
@maxValue(32)
param partitionCount int

@minValue(1)
@maxValue(7)
param retentionDays int

@description('Throughput units of the namespace (Standard: 1-40; each takes 1 MB/s or 1,000 events/s in).')
@minValue(1)
@maxValue(40)
param throughputUnits int = 1

@description('Turn local (SAS) auth on and create a Send-only rule on the hub for agents that cannot use Entra ID.')
param agentSasEnabled bool = false

resource namespace 'Microsoft.EventHub/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: throughputUnits
  }
  properties: {
    disableLocalAuth: !agentSasEnabled
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    isAutoInflateEnabled: false
  }

  resource hub 'eventhubs' = {
    name: hubName
    properties: {
      partitionCount: partitionCount
      messageRetentionInDays: retentionDays
    }

    resource consumerGroup 'consumergroups' = {
      name: consumerGroupName
    }

    // Send-only: an agent holding this key can publish telemetry and nothing else. Its keys are read with the CLI
    // (docs/deploy.md), never output by this template.
    resource agentSendRule 'authorizationRules' = if (agentSasEnabled) {
      name: 'agents-send'
      properties: {
        rights: ['Send']
      }
    }
  }
}

output namespaceName string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output hubName string = namespace::hub.name
output consumerGroupName string = namespace::hub::consumerGroup.name
output agentSendRuleName string = agentSasEnabled ? 'agents-send' : ''
