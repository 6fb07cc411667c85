using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.Power;

namespace Prescient.Hypervisor.Tests.Power;

public sealed class PowerTests
{
    private const string Mac = "52:54:00:12:34:56";

    [Fact]
    public void The_magic_packet_is_six_0xFF_bytes_then_the_MAC_sixteen_times()
    {
        var packet = WakeOnLan.MagicPacket("52-54-00-12-34-56");

        Assert.Equal(102, packet.Length);
        Assert.All(packet[..6], b => Assert.Equal(0xFF, b));
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(new byte[] { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, packet[(6 + (i * 6))..(12 + (i * 6))]);
        }

        Assert.Throws<FormatException>(() => WakeOnLan.MagicPacket("52:54:00:12:34"));
    }

    [Fact]
    public async Task Waking_a_peer_through_the_endpoint_sends_its_magic_packet_over_UDP()
    {
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        var options = new PowerOptions();
        options.Peers["h3"] = new WakeTarget { Mac = Mac, BroadcastAddress = "127.0.0.1", Port = port };
        using var http = new HttpClient();
        var power = new HostPower(options, http, NullLogger.Instance);
        await using var server = await HypervisorServer.StartAsync(new HypervisorServerOptions { Port = 0, HostToken = "h1-token-0123456789" }, new NoVmHost(power), null, power);

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "peers/h3/wake")) { Content = JsonContent.Create(new { }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "h1-token-0123456789");
        using var response = await http.SendAsync(request);
        var received = await receiver.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new PowerResponse("h3", PowerState.Waking), await response.Content.ReadFromJsonAsync<PowerResponse>(HypervisorJson.Options));
        Assert.Equal(WakeOnLan.MagicPacket(Mac), received.Buffer);
        Assert.Equal(404, (await power.WakePeerAsync("h9", CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Reduce_runs_the_configured_command_after_answering_and_the_host_stays_reduced_until_woken()
    {
        var marker = Path.Combine(Path.GetTempPath(), "reduce-" + Guid.NewGuid().ToString("N"));
        var options = new PowerOptions { ReduceCommand = ["sh", "-c", $"echo reduced > {marker}"] };

        using var http = new HttpClient();
        var power = new HostPower(options, http, NullLogger.Instance);

        Assert.Equal(PowerState.Reduced, power.Reduce());
        Assert.Equal(0, await power.LastReduceCommand!.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("reduced\n", await File.ReadAllTextAsync(marker));
        Assert.Equal(PowerState.Reduced, power.State);
        Assert.Equal(PowerState.Reduced, power.Reduce());
        Assert.Equal(PowerState.On, power.Wake());
        Assert.Equal(PowerState.On, power.State);
        File.Delete(marker);
    }

    [Fact]
    public async Task A_reduce_command_that_fails_leaves_the_host_on()
    {
        var options = new PowerOptions { ReduceCommand = ["false"] };
        using var http = new HttpClient();
        var power = new HostPower(options, http, NullLogger.Instance);

        power.Reduce();

        Assert.NotEqual(0, await power.LastReduceCommand!.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(PowerState.On, power.State);
    }

    [Fact]
    public async Task Waking_through_Redfish_posts_a_reset_On_with_basic_authentication()
    {
        string? seen = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var bmc = builder.Build();
        bmc.MapPost("/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            seen = $"{http.Request.Headers.Authorization} {body}";
            return Results.NoContent();
        });
        await bmc.StartAsync();
        var passwordFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(passwordFile, "s3cret\n");
        var options = new PowerOptions();
        options.Peers["h3"] = new WakeTarget { RedfishSystem = new Uri(bmc.Urls.First() + "/redfish/v1/Systems/1"), UserName = "admin", PasswordFile = passwordFile };
        using var http = new HttpClient();

        var answer = await new HostPower(options, http, NullLogger.Instance).WakePeerAsync("h3", CancellationToken.None);

        Assert.Equal(PowerState.Waking, answer.Value!.PowerState);
        Assert.Equal("Basic YWRtaW46czNjcmV0 {\"ResetType\":\"On\"}", seen);
        File.Delete(passwordFile);
    }

    /// <summary>A host with no VMs whose power is <see cref="HostPower"/>, for the route tests.</summary>
    private sealed class NoVmHost(HostPower power) : IHypervisorHost
    {
        public string HostId => "h1";

        public Task<HypervisorResult<HostStatus>> GetStatusAsync(CancellationToken cancellationToken) =>
            Task.FromResult<HypervisorResult<HostStatus>>(new HostStatus("h1", 1, 1, 1, 0, power.State, [], 0, DateTimeOffset.UnixEpoch));

        public Task<HypervisorResult<PowerResponse>> SetPowerAsync(PowerAction action, CancellationToken cancellationToken) =>
            Task.FromResult<HypervisorResult<PowerResponse>>(new PowerResponse("h1", action == PowerAction.Wake ? power.Wake() : power.Reduce()));

        public Task<HypervisorResult<PrepareResponse>> PrepareAsync(string migrationId, PrepareRequest request, CancellationToken cancellationToken) => Unknown<PrepareResponse>();

        public Task<HypervisorResult<PrecopyRoundStatus>> StartRoundAsync(string migrationId, int round, PrecopyRoundRequest request, CancellationToken cancellationToken) => Unknown<PrecopyRoundStatus>();

        public Task<HypervisorResult<PrecopyRoundStatus>> GetRoundAsync(string migrationId, int round, CancellationToken cancellationToken) => Unknown<PrecopyRoundStatus>();

        public Task<HypervisorResult<QuiesceResponse>> QuiesceAsync(string migrationId, QuiesceRequest request, CancellationToken cancellationToken) => Unknown<QuiesceResponse>();

        public Task<HypervisorResult<ResumeResponse>> ResumeAsync(string migrationId, CancellationToken cancellationToken) => Unknown<ResumeResponse>();

        public Task<HypervisorResult<FinishResponse>> FinishAsync(string migrationId, CancellationToken cancellationToken) => Unknown<FinishResponse>();

        public Task<HypervisorResult<AbortResponse>> AbortAsync(string migrationId, CancellationToken cancellationToken) => Unknown<AbortResponse>();

        public Task<HypervisorResult<HostMigrationStatus>> GetMigrationAsync(string migrationId, CancellationToken cancellationToken) => Unknown<HostMigrationStatus>();

        private static Task<HypervisorResult<T>> Unknown<T>() => Task.FromResult(HypervisorResult<T>.UnknownMigration("none"));
    }
}
