using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Core.Migration;
using Prescient.Pipeline.Hypervisor;
using Prescient.Simulation.FleetService;

namespace Prescient.Migration.Tests;

/// <summary>The hypervisor contract as served by the fleet simulator, through the typed client.</summary>
public sealed class HypervisorContractTests : IAsyncLifetime
{
    private FleetSimulatorService _fleet = null!;
    private ServiceProvider _services = null!;

    private IHypervisorClient Client => _services.GetRequiredService<IHypervisorClient>();

    public async Task InitializeAsync()
    {
        _fleet = await FleetSimulatorService.StartAsync(FleetRig.ServiceOptions(acceleration: 1000),
            [new SimHostSpec("h1"), new SimHostSpec("h2", MemoryMb: 4096), new SimHostSpec("h3")],
            [new SimVmSpec("vm1", "h1", 2, 2048, 10), new SimVmSpec("big", "h1", 2, 8192, 10)]);
        _services = new ServiceCollection().AddHypervisorClient(o =>
        {
            FleetRig.Hypervisor(o, _fleet);
            o.AttemptTimeout = TimeSpan.FromSeconds(20);
        }).BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _fleet.DisposeAsync();
    }

    [Fact]
    public async Task Calls_without_a_token_or_with_another_hosts_token_are_refused()
    {
        using var http = new HttpClient { BaseAddress = _fleet.BaseAddress };

        using var anonymous = await http.GetAsync(new Uri("hosts/h1/status", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "hosts/h1/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _fleet.TokenFor("h2"));
        using var wrongHost = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, wrongHost.StatusCode);

        var status = await Client.GetStatusAsync("h1");
        Assert.Equal(2, status.Vms.Count);
    }

    [Fact]
    public async Task Prepare_is_idempotent_by_migration_id_and_refuses_what_does_not_fit()
    {
        var first = await Client.PrepareAsync("h3", "m1", new PrepareRequest("vm1", "h1", 2048, 2));
        var again = await Client.PrepareAsync("h3", "m1", new PrepareRequest("vm1", "h1", 2048, 2));
        Assert.True(first.OkToMigrate);
        Assert.Equal(first, again);

        var tooBig = await Client.PrepareAsync("h2", "m2", new PrepareRequest("big", "h1", 8192, 2));
        Assert.False(tooBig.OkToMigrate);
        Assert.Contains("memory", tooBig.RefusalReason, StringComparison.Ordinal);

        var locked = await Assert.ThrowsAsync<HypervisorRejectedException>(() => Client.PrepareAsync("h2", "m3", new PrepareRequest("vm1", "h1", 2048, 2)));
        Assert.Equal(HypervisorErrorCodes.VmLocked, locked.Code);
    }

    [Fact]
    public async Task A_resume_after_an_abort_is_refused_and_the_vm_stays_on_the_source()
    {
        await MoveToQuiescedAsync("m1");
        var aborted = await Client.AbortAsync("h1", "m1");
        Assert.Equal("h1", aborted.RunningOnHostId);

        var refused = await Assert.ThrowsAsync<HypervisorRejectedException>(() => Client.ResumeAsync("h1", "m1"));
        Assert.Equal(HypervisorErrorCodes.Aborted, refused.Code);
        var snapshot = _fleet.Model.Snapshot();
        Assert.Equal("h1", snapshot.RunningOn("vm1"));
        Assert.Empty(snapshot.Violations());
    }

    [Fact]
    public async Task After_resume_started_the_source_can_no_longer_abort()
    {
        await MoveToQuiescedAsync("m1");
        Assert.True((await Client.ResumeAsync("h1", "m1")).ResumeStarted);

        var refused = await Assert.ThrowsAsync<HypervisorRejectedException>(() => Client.AbortAsync("h1", "m1"));
        Assert.Equal(HypervisorErrorCodes.ResumeStarted, refused.Code);
        Assert.Equal("h3", (await Client.FinishAsync("h1", "m1")).RunningOnHostId);
        Assert.Equal("h3", _fleet.Model.Snapshot().RunningOn("vm1"));
        Assert.Empty(_fleet.Model.Snapshot().Violations());
    }

    [Fact]
    public async Task An_unresponsive_host_times_out_as_a_transient_fault_and_a_5xx_burst_is_transient()
    {
        await using var impatient = new ServiceCollection().AddHypervisorClient(o =>
        {
            FleetRig.Hypervisor(o, _fleet);
            o.AttemptTimeout = TimeSpan.FromSeconds(1);
        }).BuildServiceProvider();
        _fleet.Model.InjectFault(new FaultSpec("h2", FaultKind.Unresponsive, DurationSeconds: 5));
        var timeout = await Assert.ThrowsAsync<HypervisorTransientException>(() => impatient.GetRequiredService<IHypervisorClient>().GetStatusAsync("h2"));
        Assert.Equal("timeout", timeout.Code);

        _fleet.Model.InjectFault(new FaultSpec("h3", FaultKind.Errors, Count: 1));
        var burst = await Assert.ThrowsAsync<HypervisorTransientException>(() => Client.GetStatusAsync("h3"));
        Assert.Equal(503, burst.StatusCode);
        Assert.Equal("h3", (await Client.GetStatusAsync("h3")).HostId);
    }

    [Fact]
    public async Task Migrations_cost_cpu_on_both_hosts_while_they_run()
    {
        var before = (await Client.GetStatusAsync("h3")).MeasuredLoad;
        await Client.PrepareAsync("h3", "m1", new PrepareRequest("vm1", "h1", 2048, 2));

        Assert.True((await Client.GetStatusAsync("h3")).MeasuredLoad > before);
        Assert.Equal(1, (await Client.GetStatusAsync("h1")).ActiveMigrations);
    }

    [Fact]
    public async Task A_host_with_vms_refuses_to_reduce_power()
    {
        var refused = await Assert.ThrowsAsync<HypervisorRejectedException>(() => Client.SetPowerAsync("h1", PowerAction.Reduce));
        Assert.Equal(HypervisorErrorCodes.HostNotEmpty, refused.Code);
        Assert.Equal(PowerState.Reduced, (await Client.SetPowerAsync("h2", PowerAction.Reduce)).PowerState);
        Assert.False((await Client.PrepareAsync("h2", "m9", new PrepareRequest("vm1", "h1", 2048, 2))).OkToMigrate);
    }

    private async Task MoveToQuiescedAsync(string migrationId)
    {
        Assert.True((await Client.PrepareAsync("h3", migrationId, new PrepareRequest("vm1", "h1", 2048, 2))).OkToMigrate);
        var round = await Client.StartRoundAsync("h1", migrationId, 1, new PrecopyRoundRequest("vm1", "h3"));
        while (round.State == RoundState.Running)
        {
            await Task.Delay(5);
            round = await Client.GetRoundAsync("h1", migrationId, 1);
        }

        Assert.Equal(2048, round.SentMb);
        await Client.QuiesceAsync("h1", migrationId, new QuiesceRequest(StopAndCopy: true));
        Assert.Null(_fleet.Model.Snapshot().RunningOn("vm1"));
    }
}
