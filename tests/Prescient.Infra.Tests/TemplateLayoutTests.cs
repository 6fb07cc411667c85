using System.Text.Json;
using System.Text.RegularExpressions;

namespace Prescient.Infra.Tests;

/// <summary>Structural rules of infra/ that hold without the Bicep CLI.</summary>
public sealed partial class TemplateLayoutTests
{
    [Fact]
    public void Parameters_file_supplies_exactly_declared_parameters_and_every_required_one()
    {
        var declared = BicepText.Parameters("infra/main.bicep");
        using var file = JsonDocument.Parse(RepoFiles.Read("infra/main.parameters.json"));
        var given = file.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToList();

        Assert.All(given, p => Assert.True(declared.ContainsKey(p), $"main.parameters.json passes {p}, which main.bicep does not declare"));
        Assert.All(declared.Where(d => !d.Value), d => Assert.Contains(d.Key, given));
        Assert.Contains("${AZURE_ENV_NAME}", file.RootElement.GetProperty("parameters").GetProperty("environmentName").GetProperty("value").GetString(), StringComparison.Ordinal);
        Assert.Contains("${AZURE_PRINCIPAL_ID}", file.RootElement.GetProperty("parameters").GetProperty("principalId").GetProperty("value").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_role_assignment_is_in_the_rbac_module()
    {
        var files = Directory.EnumerateFiles(RepoFiles.PathOf("infra"), "*.bicep", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("Microsoft.Authorization/roleAssignments", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepoFiles.Root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .ToList();

        Assert.Equal(["infra/app/rbac.bicep"], files);
    }

    [Theory]
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Storage Blob Data Owner")]
    [InlineData("974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Storage Queue Data Contributor")]
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Storage Table Data Contributor")]
    [InlineData("a638d3c7-ab3a-418d-83e6-5f17a39d4fde", "Azure Event Hubs Data Receiver")]
    [InlineData("2b629674-e913-4c01-ae53-ef4638d8f975", "Azure Event Hubs Data Sender")]
    [InlineData("3913510d-42f4-4e42-8a64-420c390055eb", "Monitoring Metrics Publisher")]
    [InlineData("4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User")]
    [InlineData("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "Key Vault Secrets Officer")]
    public void The_rbac_module_grants_each_role_the_app_needs(string roleId, string roleName)
    {
        var rbac = RepoFiles.Read("infra/app/rbac.bicep");

        Assert.True(rbac.Contains($"'{roleId}'", StringComparison.Ordinal), $"rbac.bicep does not define {roleName} ({roleId})");
        Assert.Contains(roleName, RepoFiles.Read("docs/deploy.md"), StringComparison.Ordinal);
    }

    [Fact]
    public void No_output_carries_a_secret()
    {
        var outputs = OutputExpression().Matches(RepoFiles.Read("infra/main.bicep")).Select(m => m.Value).ToList();

        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.DoesNotMatch("(?i)listKeys|ConnectionString|primaryKey|secret|password", o));
    }

    [Fact]
    public void Local_auth_is_off_for_storage_event_hubs_and_application_insights()
    {
        Assert.Contains("allowSharedKeyAccess: false", RepoFiles.Read("infra/app/storage.bicep"), StringComparison.Ordinal);
        Assert.Contains("disableLocalAuth: !agentSasEnabled", RepoFiles.Read("infra/app/eventhubs.bicep"), StringComparison.Ordinal);
        Assert.Contains("agentSasEnabled bool = false", RepoFiles.Read("infra/main.bicep"), StringComparison.Ordinal);
        Assert.Contains("DisableLocalAuth: true", RepoFiles.Read("infra/app/monitoring.bicep"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_vault_uses_rbac_soft_delete_and_purge_protection_and_outputs_only_its_name_and_uri()
    {
        var vault = RepoFiles.Read("infra/app/keyvault.bicep");
        Assert.Contains("enableRbacAuthorization: true", vault, StringComparison.Ordinal);
        Assert.Contains("enableSoftDelete: true", vault, StringComparison.Ordinal);
        Assert.Contains("param purgeProtection bool = true", vault, StringComparison.Ordinal);
        Assert.Contains("param keyVaultPurgeProtection bool = true", RepoFiles.Read("infra/main.bicep"), StringComparison.Ordinal);
        Assert.DoesNotContain("accessPolicies", vault, StringComparison.Ordinal);
        Assert.Equal(["name", "uri"], BicepText.Outputs("infra/app/keyvault.bicep"));
        Assert.Equal(["AZURE_KEY_VAULT_ENDPOINT", "AZURE_KEY_VAULT_NAME"],
            BicepText.Outputs("infra/main.bicep").Where(o => o.Contains("KEY_VAULT", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_app_reads_secrets_and_the_deploying_user_manages_them_on_the_vault()
    {
        var rbac = RepoFiles.Read("infra/app/rbac.bicep");

        Assert.Contains("principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roles.keyVaultSecretsUser", rbac, StringComparison.Ordinal);
        Assert.Contains("principalId: userPrincipalId, principalType: userPrincipalType, roleId: roles.keyVaultSecretsOfficer", rbac, StringComparison.Ordinal);
        Assert.Contains("scope: keyVault", rbac, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^output\s.*$", RegexOptions.Multiline)]
    private static partial Regex OutputExpression();
}
