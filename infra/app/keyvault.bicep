// The Key Vault that holds Prescient's secrets (the hypervisor fleet secret). Azure RBAC authorization only (no
// access policies); soft delete always on; purge protection a parameter. The template never creates a secret's
// value: the operator sets it (docs/deploy.md) and the Function App reads it through a Key Vault reference with its
// user-assigned identity (Key Vault Secrets User, granted in app/rbac.bicep).
param name string
param location string
param tags object

@description('Days a deleted vault or secret stays recoverable (7-90).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionDays int = 7

@description('Purge protection: a deleted vault or secret cannot be purged before the retention ends. Cannot be turned off once on.')
param purgeProtection bool = true

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionDays
    // Only `true` may be sent: a vault refuses `false` once purge protection is on, so leave it out instead.
    enablePurgeProtection: purgeProtection ? true : null
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
