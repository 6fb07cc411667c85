using Microsoft.Extensions.Time.Testing;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class CheckpointStoreTests(AzuriteFixture fixture)
{
    private static async Task<(EventHubCheckpointStore Store, FakeTimeProvider Time)> CreateAsync(AzuriteFixture fixture)
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = new EventHubCheckpointStore(harness.Storage.Table(n => n.Checkpoints), "ns.servicebus.windows.net", "telemetry", "$Default", harness.Time);
        return (store, harness.Time);
    }

    [Fact]
    public async Task Ownership_is_exclusive_until_it_expires_and_a_lost_claim_cannot_be_renewed()
    {
        var (store, time) = await CreateAsync(fixture);
        var a = await store.TryClaimAsync("0", "A", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(a);
        Assert.Null(await store.TryClaimAsync("0", "B", TimeSpan.FromMinutes(1), CancellationToken.None));

        // A renews its own claim; B still cannot take it.
        a = await store.RenewAsync(a, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(a);
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Null(await store.TryClaimAsync("0", "B", TimeSpan.FromMinutes(1), CancellationToken.None));

        // Expired: B takes it; A's renewal with its old ETag fails (412) and its release changes nothing.
        time.Advance(TimeSpan.FromSeconds(2));
        var b = await store.TryClaimAsync("0", "B", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(b);
        Assert.Null(await store.RenewAsync(a, TimeSpan.FromMinutes(1), CancellationToken.None));
        await store.ReleaseAsync(a, CancellationToken.None);
        Assert.Equal("B", (await store.GetOwnershipAsync("0", CancellationToken.None))!.OwnerId);

        // B releases: A may claim at once.
        await store.ReleaseAsync(b, CancellationToken.None);
        Assert.NotNull(await store.TryClaimAsync("0", "A", TimeSpan.FromMinutes(1), CancellationToken.None));
    }

    [Fact]
    public async Task Racing_first_claims_let_exactly_one_claimer_win()
    {
        var (store, _) = await CreateAsync(fixture);
        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Task.Run(() => store.TryClaimAsync("7", "owner-" + i, TimeSpan.FromMinutes(1), CancellationToken.None))));
        var winner = Assert.Single(claims, c => c is not null);
        Assert.Equal(winner!.OwnerId, (await store.GetOwnershipAsync("7", CancellationToken.None))!.OwnerId);
    }

    [Fact]
    public async Task A_checkpoint_only_moves_from_the_version_that_was_read()
    {
        var (store, _) = await CreateAsync(fixture);
        Assert.Null(await store.GetCheckpointAsync("1", CancellationToken.None));
        var first = await store.SetCheckpointAsync("1", 10, "1000", expected: null, CancellationToken.None);

        // A second consumer that also started from "no checkpoint" cannot create it again (409).
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.SetCheckpointAsync("1", 5, "500", expected: null, CancellationToken.None));

        var second = await store.SetCheckpointAsync("1", 20, "2000", first, CancellationToken.None);
        // A consumer still holding the first version cannot move the checkpoint back (412).
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.SetCheckpointAsync("1", 15, "1500", first, CancellationToken.None));

        var read = await store.GetCheckpointAsync("1", CancellationToken.None);
        Assert.Equal(20, read!.SequenceNumber);
        Assert.Equal("2000", read.Offset);
        Assert.Equal(second.ETag, read.ETag);
    }
}
