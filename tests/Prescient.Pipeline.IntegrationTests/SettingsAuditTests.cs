using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Prescient.Core.Settings;
using Prescient.Pipeline.Api.Settings;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>The settings audit trail on Azurite: each record is committed in its change's own transaction.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SettingsAuditTests(AzuriteFixture fixture)
{
    private static Func<SettingsChange, SettingsAuditDraft> Auditor(string actor, Action? beforeCommit = null) => change =>
    {
        beforeCommit?.Invoke();
        return new SettingsAuditDraft(actor, change.Scope.RowKey, [$"{change.PreviousJson ?? "(none)"} -> {change.NewJson ?? "(none)"}"]);
    };

    [Fact]
    public async Task A_saved_change_writes_exactly_one_audit_record_in_its_transaction_and_a_failed_commit_writes_neither()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var table = harness.Storage.Table(n => n.Settings);
        var store = new SettingsStore(table, harness.Time);

        var saved = await store.SetAsync(SettingsScope.Global, """{"dryRun":true}""", default(ETag), Auditor("alice"), CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Saved, saved.Status);
        var entry = Assert.Single(await store.RecentAuditAsync(10, CancellationToken.None));
        Assert.Equal("alice", entry.Actor);
        Assert.Equal("global", entry.Scope);
        Assert.Equal(SettingsStore.InitialETagText, entry.PreviousETag);
        Assert.Equal(SettingsStore.VersionText(saved.Version!.Value), entry.NewETag);
        Assert.Equal(PipelineHarness.Now, entry.At);
        Assert.Equal(["(none) -> {\"dryRun\":true}"], entry.Changes);

        // Someone else commits between this write's read and its commit: the transaction fails on the version's ETag,
        // and neither the change nor its audit record exists.
        var bumps = 0;
        void SomeoneElseSaves()
        {
            bumps++;
            table.UpdateEntity(new TableEntity(SettingsStore.Partition, "~version") { ["LastScope"] = "elsewhere" }, ETag.All, TableUpdateMode.Merge);
        }

        var raced = await store.SetAsync(SettingsScope.ForHost("h1"), """{"dryRun":false}""", expectedVersion: null, Auditor("bob", SomeoneElseSaves), CancellationToken.None);
        Assert.Equal(1, bumps);
        Assert.Equal(SettingsWriteStatus.Conflict, raced.Status);
        Assert.Null(await store.GetScopeJsonAsync(SettingsScope.ForHost("h1"), CancellationToken.None));
        Assert.Equal("alice", Assert.Single(await store.RecentAuditAsync(10, CancellationToken.None)).Actor);

        // The audit record itself cannot be stored (a property over the service's 64 KiB limit): the change fails with it.
        var failed = await Assert.ThrowsAsync<TableTransactionFailedException>(() => store.SetAsync(
            SettingsScope.ForHost("h1"), """{"dryRun":false}""", null, _ => new SettingsAuditDraft(new string('x', 40_000), "hosts/h1", []), CancellationToken.None));
        Assert.Equal(2, failed.FailedTransactionActionIndex); // the audit row (after the version and scope rows)
        Assert.Null(await store.GetScopeJsonAsync(SettingsScope.ForHost("h1"), CancellationToken.None));
        Assert.Single(await store.RecentAuditAsync(10, CancellationToken.None));

        // Refused writes (stale version, invalid settings) record nothing either; the auditor is not even asked.
        var stale = await store.SetAsync(SettingsScope.Global, """{"dryRun":false}""", saved.Version, Auditor("carol", () => Assert.Fail("asked")), CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Conflict, stale.Status);
        var invalid = await store.SetAsync(SettingsScope.Global, """{"reactiveRange":{"low":0.9,"high":0.1}}""", null, Auditor("carol", () => Assert.Fail("asked")), CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Invalid, invalid.Status);
        Assert.Single(await store.RecentAuditAsync(10, CancellationToken.None));

        // A removal is audited like a change, with the scope's settings before.
        var (_, version) = await store.GetAsync(CancellationToken.None);
        Assert.Equal(SettingsWriteStatus.Saved, (await store.RemoveAsync(SettingsScope.Global, version, Auditor("dave"), CancellationToken.None)).Status);
        var removal = (await store.RecentAuditAsync(10, CancellationToken.None))[0];
        Assert.Equal(["{\"dryRun\":true} -> (none)"], removal.Changes);
        Assert.Equal(SettingsStore.VersionText(version), removal.PreviousETag);
        Assert.False((await store.GetAsync(CancellationToken.None)).Document.Global.DryRun.HasValue);
    }

    [Fact]
    public async Task Scope_reads_never_read_the_audit_rows_even_when_there_are_many()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var counter = new EntityCounter();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var table = new TableServiceClient(fixture.ConnectionString, options).GetTableClient(harness.Storage.Names.Settings);
        var store = new SettingsStore(table, harness.Time);
        Assert.Equal(SettingsWriteStatus.Saved, (await store.SetAsync(SettingsScope.Global, new HostSettingsPatch { DryRun = true }, null, CancellationToken.None)).Status);
        Assert.Equal(SettingsWriteStatus.Saved, (await store.SetAsync(SettingsScope.ForHost("h1"), """{"reactiveRange":{"low":0.1,"high":0.9}}""", null, Auditor("x"), CancellationToken.None)).Status);

        // 500 more audit records (as 500 earlier changes would have left), written in batches of 100.
        var draft = new SettingsAuditDraft("someone", "global", ["global.dryRun: false -> true"]);
        for (var batch = 0; batch < 5; batch++)
        {
            var actions = Enumerable.Range(0, 100).Select(i =>
            {
                var at = PipelineHarness.Now.AddMinutes(-1 - (batch * 100) - i);
                return new TableTransactionAction(TableTransactionActionType.Add, SettingsAuditRows.ToEntity(
                    SettingsStore.Partition, SettingsAuditRows.NewRowKey(at), at, draft, "\"before\"", null));
            });
            await table.SubmitTransactionAsync(actions);
        }

        counter.Entities = 0;
        var (document, version) = await store.GetAsync(CancellationToken.None);
        Assert.Equal(3, counter.Entities); // global, host:h1, ~version: no audit row crossed the wire
        Assert.True(document.ResolveHost("h2").DryRun);
        Assert.Equal(new WorkloadRange(0.1, 0.9), document.ResolveHost("h1").ReactiveRange);

        counter.Entities = 0;
        Assert.Equal(SettingsWriteStatus.Saved, (await store.SetAsync(SettingsScope.ForHost("h2"), """{"dryRun":false}""", version, Auditor("y"), CancellationToken.None)).Status);
        Assert.Equal(3, counter.Entities);

        counter.Entities = 0;
        var recent = await store.RecentAuditAsync(5, CancellationToken.None);
        Assert.Equal(5, counter.Entities);
        Assert.Equal(["y", "x", "someone", "someone", "someone"], recent.Select(e => e.Actor));
        Assert.Equal(502, (await store.RecentAuditAsync(1000, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Recent_audit_is_newest_first_up_to_the_limit_and_chains_the_versions()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time);
        var versions = new List<string> { SettingsStore.InitialETagText };
        for (var i = 1; i <= 5; i++)
        {
            harness.Time.Advance(TimeSpan.FromSeconds(1));
            var result = await store.SetAsync(SettingsScope.ForHost("h" + i), new HostSettingsPatch { DryRun = true }, null, CancellationToken.None);
            var saved = await store.SetAsync(SettingsScope.ForHost("h" + i), """{"dryRun":false}""", result.Version, Auditor("a" + i), CancellationToken.None);
            Assert.Equal(SettingsWriteStatus.Saved, saved.Status);
            versions.Add(SettingsStore.VersionText(result.Version!.Value));
            versions.Add(SettingsStore.VersionText(saved.Version!.Value));
        }

        var recent = await store.RecentAuditAsync(3, CancellationToken.None);
        Assert.Equal(["a5", "a4", "a3"], recent.Select(e => e.Actor));
        Assert.Equal([PipelineHarness.Now.AddSeconds(5), PipelineHarness.Now.AddSeconds(4), PipelineHarness.Now.AddSeconds(3)], recent.Select(e => e.At));
        Assert.Equal(versions[^1], recent[0].NewETag);
        Assert.Equal(versions[^2], recent[0].PreviousETag);
        Assert.Equal(5, (await store.RecentAuditAsync(100, CancellationToken.None)).Count);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.RecentAuditAsync(0, CancellationToken.None));
    }

    [Fact]
    public async Task The_new_version_of_a_record_is_derived_when_the_follow_up_stamp_was_lost()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var table = harness.Storage.Table(n => n.Settings);
        var store = new SettingsStore(table, harness.Time);
        var first = await store.SetAsync(SettingsScope.Global, """{"dryRun":true}""", null, Auditor("a"), CancellationToken.None);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await store.SetAsync(SettingsScope.Global, """{"dryRun":false}""", first.Version, Auditor("b"), CancellationToken.None);
        var expected = await store.RecentAuditAsync(10, CancellationToken.None);

        // As if the process died right after each commit: the audit rows lack their NewETag stamp.
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == SettingsStore.Partition))
        {
            if (row.RowKey.StartsWith(SettingsAuditRows.Prefix, StringComparison.Ordinal))
            {
                Assert.True(row.ContainsKey("NewETag"));
                var stripped = new TableEntity(row.PartitionKey, row.RowKey);
                foreach (var name in new[] { "At", "Actor", "Scope", "PreviousETag", "PreviousAudit", "Changes" })
                {
                    stripped[name] = row[name];
                }

                await table.UpdateEntityAsync(stripped, ETag.All, TableUpdateMode.Replace);
            }
        }

        var derived = await store.RecentAuditAsync(10, CancellationToken.None);
        Assert.Equal(SettingsStore.VersionText(second.Version!.Value), derived[0].NewETag);
        Assert.Equal(SettingsStore.VersionText(first.Version!.Value), derived[1].NewETag);
        Assert.Equal(expected.Select(e => (e.Actor, e.PreviousETag, e.NewETag)), derived.Select(e => (e.Actor, e.PreviousETag, e.NewETag)));
    }

    [Fact]
    public async Task Records_of_the_earlier_audit_table_are_still_listed_merged_by_time()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time);
        var earlier = harness.Storage.Table(n => n.Prefix + SettingsAuditLog.EarlierTableSuffix);

        // No earlier table: only the new records.
        var log = new SettingsAuditLog(store, earlier);
        await store.SetAsync(SettingsScope.Global, """{"dryRun":true}""", null, Auditor("new"), CancellationToken.None);
        Assert.Equal(["new"], (await log.RecentAsync(10, CancellationToken.None)).Select(e => e.Actor));

        // Records written there before the move (row keys in inverted time, as that table had them).
        await earlier.CreateIfNotExistsAsync();
        foreach (var (minutes, actor) in new[] { (-10, "old1"), (-5, "old2"), (5, "old3") })
        {
            var at = PipelineHarness.Now.AddMinutes(minutes);
            await earlier.AddEntityAsync(new TableEntity("audit", (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "-0")
            {
                ["At"] = at,
                ["Actor"] = actor,
                ["Scope"] = "global",
                ["PreviousETag"] = "\"p\"",
                ["NewETag"] = "\"n\"",
                ["Changes"] = JsonSerializer.Serialize(new[] { "global.dryRun: (inherit) -> true" }),
            });
        }

        var all = await log.RecentAsync(10, CancellationToken.None);
        Assert.Equal(["old3", "new", "old2", "old1"], all.Select(e => e.Actor));
        Assert.Equal(["global.dryRun: (inherit) -> true"], all[0].Changes);
        Assert.Equal("\"n\"", all[0].NewETag);
        Assert.Equal(["old3", "new"], (await log.RecentAsync(2, CancellationToken.None)).Select(e => e.Actor));
    }

    /// <summary>Counts the entities the table service returns (query pages and point reads).</summary>
    private sealed class EntityCounter : HttpPipelineSynchronousPolicy
    {
        public int Entities { get; set; }

        public override void OnReceivedResponse(HttpMessage message)
        {
            if (message.Request.Method != RequestMethod.Get || message.Response.Status != 200 || message.Response.ContentStream is not { CanSeek: true } stream)
            {
                return;
            }

            stream.Position = 0;
            using var document = JsonDocument.Parse(stream);
            stream.Position = 0;
            Entities += document.RootElement.TryGetProperty("value", out var value) ? value.GetArrayLength() : 1;
        }
    }
}
