using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Prescient.Pipeline.Migration;

namespace Prescient.Pipeline.IntegrationTests.Migration;

[Collection(AzuriteCollection.Name)]
public sealed class VmLeaseStoreTests(AzuriteFixture fixture)
{
    private VmLeaseStore NewStore(TimeProvider clock) =>
        new(new TableServiceClient(fixture.ConnectionString), clock, "leases" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task A_held_lease_refuses_other_owners_and_is_idempotent_for_its_own()
    {
        var store = NewStore(TimeProvider.System);

        Assert.True((await store.AcquireAllAsync(["vm1", "vm2"], "m1", TimeSpan.FromMinutes(5))).Acquired);
        Assert.True((await store.AcquireAllAsync(["vm1", "vm2"], "m1", TimeSpan.FromMinutes(5))).Acquired);
        var refused = await store.AcquireAllAsync(["vm3", "vm2"], "m2", TimeSpan.FromMinutes(5));

        Assert.False(refused.Acquired);
        Assert.Equal("m1", refused.HeldBy);
        Assert.Equal("vm2", refused.VmId);
        // All-or-nothing: vm3 was taken and given back.
        Assert.Equal(["vm1", "vm2"], (await store.GetHeldAsync()).Select(l => l.VmId).Order());
    }

    [Fact]
    public async Task Release_frees_only_the_owners_leases()
    {
        var store = NewStore(TimeProvider.System);
        await store.AcquireAllAsync(["vm1"], "m1", TimeSpan.FromMinutes(5));
        await store.AcquireAllAsync(["vm2"], "m2", TimeSpan.FromMinutes(5));

        await store.ReleaseAllAsync(["vm1", "vm2"], "m1");

        Assert.Equal(["vm2"], (await store.GetHeldAsync()).Select(l => l.VmId));
        Assert.True((await store.AcquireAllAsync(["vm1"], "m3", TimeSpan.FromMinutes(5))).Acquired);
    }

    [Fact]
    public async Task An_expired_lease_can_be_taken_over()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = NewStore(clock);
        await store.AcquireAllAsync(["vm1"], "crashed", TimeSpan.FromMinutes(5));

        clock.Advance(TimeSpan.FromMinutes(6));

        Assert.Empty(await store.GetHeldAsync());
        Assert.True((await store.AcquireAllAsync(["vm1"], "m2", TimeSpan.FromMinutes(5))).Acquired);
        Assert.Equal("m2", (await store.GetAsync("vm1"))!.Owner);
    }

    [Fact]
    public async Task Of_many_simultaneous_requests_for_a_vm_exactly_one_wins()
    {
        var store = NewStore(TimeProvider.System);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => store.AcquireAllAsync(["vm1"], $"m{i}", TimeSpan.FromMinutes(5))));

        Assert.Single(results, r => r.Acquired);
    }
}
