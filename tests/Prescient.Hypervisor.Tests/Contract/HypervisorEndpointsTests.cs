using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;

namespace Prescient.Hypervisor.Tests.Contract;

/// <summary>The contract's HTTP rules as one host's endpoint serves them (the agent's <see cref="HypervisorServer"/>).</summary>
public sealed class HypervisorEndpointsTests : IAsyncLifetime
{
    private const string Token = "host-token-0123456789";
    private readonly RecordingHost _host = new();
    private readonly HttpClient _http = new();
    private HypervisorServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await HypervisorServer.StartAsync(new HypervisorServerOptions { Port = 0, HostToken = Token }, _host, null, null);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task Without_a_token_the_answer_is_401_with_the_challenge_and_another_token_is_403()
    {
        using var anonymous = await _http.GetAsync(new Uri(_server.BaseAddress, "status"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HypervisorErrorCodes.Unauthenticated, (await anonymous.Content.ReadFromJsonAsync<HypervisorError>(HypervisorJson.Options))!.Code);

        using var other = await SendAsync(HttpMethod.Get, "status", null, "someone-elses-token");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HypervisorErrorCodes.Forbidden, (await other.Content.ReadFromJsonAsync<HypervisorError>(HypervisorJson.Options))!.Code);
        Assert.Empty(_host.Calls);
    }

    [Theory]
    [InlineData("migrations/m1/prepare", "{not json")]
    [InlineData("migrations/m1/prepare", "{\"vmId\":\"vm1\"}")]
    [InlineData("migrations/m1/prepare", "{\"vmId\":\"vm1\",\"sourceHostId\":\"h1\",\"memoryMb\":-1,\"cpu\":1}")]
    [InlineData("migrations/m1/precopy/0", "{\"vmId\":\"vm1\",\"destinationHostId\":\"h2\"}")]
    [InlineData("migrations/m1/precopy/1", "{\"vmId\":\"\",\"destinationHostId\":\"h2\"}")]
    [InlineData("migrations/bad%20id/abort", "{}")]
    [InlineData("power", "{\"action\":\"Explode\"}")]
    [InlineData("power", "{}")]
    [InlineData("migrations/m1/quiesce", "[]")]
    public async Task Bad_input_is_400_bad_request_and_reaches_nothing(string path, string body)
    {
        using var response = await SendAsync(HttpMethod.Post, path, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<HypervisorError>(HypervisorJson.Options))!;
        Assert.Equal(HypervisorErrorCodes.BadRequest, error.Code);
        Assert.False(error.Retryable);
        Assert.Empty(_host.Calls);
    }

    [Fact]
    public async Task A_hosts_error_keeps_its_status_code_and_retryable_flag()
    {
        using var response = await SendAsync(HttpMethod.Post, "migrations/m1.vm1/resume", "{}");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<HypervisorError>(HypervisorJson.Options))!;
        Assert.Equal(HypervisorErrorCodes.DestinationUnresponsive, error.Code);
        Assert.True(error.Retryable);
        Assert.Equal(["resume m1.vm1"], _host.Calls);
    }

    [Fact]
    public async Task A_valid_call_reaches_the_host_with_its_body_and_answers_camel_case_json()
    {
        using var response = await SendAsync(HttpMethod.Post, "migrations/m1.vm1/prepare", "{\"vmId\":\"vm1\",\"sourceHostId\":\"h1\",\"memoryMb\":256,\"cpu\":0.5}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"migrationId\":\"m1.vm1\",\"okToMigrate\":true,\"refusalReason\":null}", await response.Content.ReadAsStringAsync());
        Assert.Equal(["prepare m1.vm1 vm1 h1 256"], _host.Calls);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string token = Token)
    {
        using var request = new HttpRequestMessage(method, new Uri(_server.BaseAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await _http.SendAsync(request);
    }

    private sealed class RecordingHost : IHypervisorHost
    {
        public List<string> Calls { get; } = [];

        public string HostId => "h2";

        public Task<HypervisorResult<HostStatus>> GetStatusAsync(CancellationToken cancellationToken) =>
            Task.FromResult<HypervisorResult<HostStatus>>(new HostStatus("h2", 2, 2048, 32, 0, PowerState.On, [], 0, DateTimeOffset.UnixEpoch));

        public Task<HypervisorResult<PowerResponse>> SetPowerAsync(PowerAction action, CancellationToken cancellationToken) =>
            Record<PowerResponse>($"power {action}", new PowerResponse("h2", PowerState.On));

        public Task<HypervisorResult<PrepareResponse>> PrepareAsync(string migrationId, PrepareRequest request, CancellationToken cancellationToken) =>
            Record<PrepareResponse>($"prepare {migrationId} {request.VmId} {request.SourceHostId} {request.MemoryMb}", new PrepareResponse(migrationId, true, null));

        public Task<HypervisorResult<PrecopyRoundStatus>> StartRoundAsync(string migrationId, int round, PrecopyRoundRequest request, CancellationToken cancellationToken) =>
            Record<PrecopyRoundStatus>($"precopy {migrationId} {round}", new PrecopyRoundStatus(migrationId, round, RoundState.Running, 1, 0, 0, 1));

        public Task<HypervisorResult<PrecopyRoundStatus>> GetRoundAsync(string migrationId, int round, CancellationToken cancellationToken) =>
            Record<PrecopyRoundStatus>($"round {migrationId} {round}", new PrecopyRoundStatus(migrationId, round, RoundState.Running, 1, 0, 0, 1));

        public Task<HypervisorResult<QuiesceResponse>> QuiesceAsync(string migrationId, QuiesceRequest request, CancellationToken cancellationToken) =>
            Record<QuiesceResponse>($"quiesce {migrationId}", new QuiesceResponse(migrationId, 1, 0, 0.01));

        public Task<HypervisorResult<ResumeResponse>> ResumeAsync(string migrationId, CancellationToken cancellationToken) =>
            Record(HypervisorResult<ResumeResponse>.DestinationUnresponsive("h3 did not answer"), $"resume {migrationId}");

        public Task<HypervisorResult<FinishResponse>> FinishAsync(string migrationId, CancellationToken cancellationToken) =>
            Record<FinishResponse>($"finish {migrationId}", new FinishResponse(migrationId, 0, "h3"));

        public Task<HypervisorResult<AbortResponse>> AbortAsync(string migrationId, CancellationToken cancellationToken) =>
            Record<AbortResponse>($"abort {migrationId}", new AbortResponse(migrationId, true, "h2"));

        public Task<HypervisorResult<HostMigrationStatus>> GetMigrationAsync(string migrationId, CancellationToken cancellationToken) =>
            Record(HypervisorResult<HostMigrationStatus>.UnknownMigration("none"), $"migration {migrationId}");

        private Task<HypervisorResult<T>> Record<T>(string call, T value) => Record(HypervisorResult<T>.Ok(value), call);

        private Task<HypervisorResult<T>> Record<T>(HypervisorResult<T> result, string call)
        {
            lock (Calls)
            {
                Calls.Add(call);
            }

            return Task.FromResult(result);
        }
    }
}
