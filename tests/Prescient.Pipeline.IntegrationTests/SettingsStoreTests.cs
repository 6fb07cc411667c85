using Prescient.Core.Settings;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class SettingsStoreTests(AzuriteFixture fixture)
{
    [Fact]
    public async Task Settings_are_validated_as_a_whole_and_written_with_optimistic_concurrency()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time);
        var (empty, v0) = await store.GetAsync(CancellationToken.None);
        Assert.Equal(HostSettings.Default, empty.ResolveHost("h"));

        var saved = await store.SetAsync(SettingsScope.Global, """{"reactiveRange":{"low":0.2,"high":0.7},"controllerMode":"Proactive"}""", v0, CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Saved, saved.Status);
        var hostSaved = await store.SetAsync(SettingsScope.ForHost("h1"), new HostSettingsPatch { DryRun = true }, saved.Version, CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Saved, hostSaved.Status);

        // A stale version is refused and changes nothing.
        var stale = await store.SetAsync(SettingsScope.ForHost("h1"), new HostSettingsPatch { DryRun = false }, saved.Version, CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Conflict, stale.Status);

        // Invalid values, unknown properties and bad JSON are refused with clear messages; nothing changes.
        var invalid = await store.SetAsync(SettingsScope.ForHost("h1"), """{"reactiveRange":{"low":0.9,"high":0.1}}""", null, CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Invalid, invalid.Status);
        Assert.Contains(invalid.Errors, e => e.Contains("h1", StringComparison.Ordinal));
        var typo = await store.SetAsync(SettingsScope.Global, """{"reactivRange":{"low":0.1,"high":0.9}}""", null, CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Invalid, typo.Status);
        Assert.Contains("reactivRange", Assert.Single(typo.Errors), StringComparison.Ordinal);
        Assert.Equal(SettingsWriteStatus.Invalid, (await store.SetAsync(SettingsScope.Global, "{", null, CancellationToken.None)).Status);
        Assert.Equal(SettingsWriteStatus.Invalid, (await store.SetAsync(new SettingsScope(SettingsScopeKind.Host), "{}", null, CancellationToken.None)).Status);

        var (document, version) = await store.GetAsync(CancellationToken.None);
        Assert.Equal(hostSaved.Version, version);
        var h1 = document.ResolveHost("h1");
        Assert.Equal(new WorkloadRange(0.2, 0.7), h1.ReactiveRange);
        Assert.Equal(ControllerModeSetting.Proactive, h1.ControllerMode);
        Assert.True(h1.DryRun);
        Assert.False(document.ResolveHost("h2").DryRun);

        // Removing the host scope makes it inherit again.
        Assert.Equal(SettingsWriteStatus.Saved, (await store.RemoveAsync(SettingsScope.ForHost("h1"), version, CancellationToken.None)).Status);
        Assert.False((await store.GetAsync(CancellationToken.None)).Document.ResolveHost("h1").DryRun);
    }
}
