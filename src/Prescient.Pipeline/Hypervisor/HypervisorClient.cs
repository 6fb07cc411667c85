using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using Prescient.Core.Migration;

namespace Prescient.Pipeline.Hypervisor;

/// <summary>The hypervisor endpoint contract (docs/hypervisor-api.md) as typed calls. Every call is one HTTP attempt.</summary>
public interface IHypervisorClient
{
    Task<HostStatus> GetStatusAsync(string hostId, CancellationToken cancellationToken = default);

    Task<PowerResponse> SetPowerAsync(string hostId, PowerAction action, CancellationToken cancellationToken = default);

    Task<PrepareResponse> PrepareAsync(string destinationHostId, string migrationId, PrepareRequest request, CancellationToken cancellationToken = default);

    Task<PrecopyRoundStatus> StartRoundAsync(string sourceHostId, string migrationId, int round, PrecopyRoundRequest request, CancellationToken cancellationToken = default);

    Task<PrecopyRoundStatus> GetRoundAsync(string sourceHostId, string migrationId, int round, CancellationToken cancellationToken = default);

    Task<QuiesceResponse> QuiesceAsync(string sourceHostId, string migrationId, QuiesceRequest request, CancellationToken cancellationToken = default);

    Task<ResumeResponse> ResumeAsync(string sourceHostId, string migrationId, CancellationToken cancellationToken = default);

    Task<FinishResponse> FinishAsync(string sourceHostId, string migrationId, CancellationToken cancellationToken = default);

    Task<AbortResponse> AbortAsync(string sourceHostId, string migrationId, CancellationToken cancellationToken = default);

    Task<HostMigrationStatus> GetMigrationAsync(string hostId, string migrationId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Typed HTTP client. Resilience (the attempt timeout) comes from the handler pipeline registered by
/// <see cref="HypervisorServiceCollectionExtensions.AddHypervisorClient"/>; it never retries: the durable workflow
/// owns retries (with back-off, transient faults only) and step timeouts. Failures surface as
/// <see cref="HypervisorTransientException"/> or <see cref="HypervisorRejectedException"/>.
/// </summary>
public sealed class HypervisorClient(HttpClient http, IOptions<HypervisorClientOptions> options) : IHypervisorClient
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly HypervisorClientOptions _options = options.Value;

    public Task<HostStatus> GetStatusAsync(string hostId, CancellationToken cancellationToken = default) =>
        SendAsync<HostStatus>(hostId, HttpMethod.Get, "status", null, cancellationToken);

    public Task<PowerResponse> SetPowerAsync(string hostId, PowerAction action, CancellationToken cancellationToken = default) =>
        SendAsync<PowerResponse>(hostId, HttpMethod.Post, "power", new PowerRequest(action), cancellationToken);

    public Task<PrepareResponse> PrepareAsync(string destinationHostId, string migrationId, PrepareRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<PrepareResponse>(destinationHostId, HttpMethod.Post, $"migrations/{Escape(migrationId)}/prepare", request, cancellationToken);

    public Task<PrecopyRoundStatus> StartRoundAsync(string sourceHostId, string migrationId, int round, PrecopyRoundRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<PrecopyRoundStatus>(sourceHostId, HttpMethod.Post, $"migrations/{Escape(migrationId)}/precopy/{round}", request, cancellationToken);

    public Task<PrecopyRoundStatus> GetRoundAsync(string sourceHostId, string migrationId, int round, CancellationToken cancellationToken = default) =>
        SendAsync<PrecopyRoundStatus>(sourceHostId, HttpMethod.Get, $"migrations/{Escape(migrationId)}/precopy/{round}", null, cancellationToken);

    public Task<QuiesceResponse> QuiesceAsync(string sourceHostId, string migrationId, QuiesceRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<QuiesceResponse>(sourceHostId, HttpMethod.Post, $"migrations/{Escape(migrationId)}/quiesce", request, cancellationToken);

    public Task<ResumeResponse> ResumeAsync(string sourceHostId, string migrationId, CancellationToken cancellationToken = default) =>
        SendAsync<ResumeResponse>(sourceHostId, HttpMethod.Post, $"migrations/{Escape(migrationId)}/resume", null, cancellationToken);

    public Task<FinishResponse> FinishAsync(string sourceHostId, string migrationId, CancellationToken cancellationToken = default) =>
        SendAsync<FinishResponse>(sourceHostId, HttpMethod.Post, $"migrations/{Escape(migrationId)}/finish", null, cancellationToken);

    public Task<AbortResponse> AbortAsync(string sourceHostId, string migrationId, CancellationToken cancellationToken = default) =>
        SendAsync<AbortResponse>(sourceHostId, HttpMethod.Post, $"migrations/{Escape(migrationId)}/abort", null, cancellationToken);

    public Task<HostMigrationStatus> GetMigrationAsync(string hostId, string migrationId, CancellationToken cancellationToken = default) =>
        SendAsync<HostMigrationStatus>(hostId, HttpMethod.Get, $"migrations/{Escape(migrationId)}", null, cancellationToken);

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private Uri HostUri(string hostId, string relative)
    {
        if (_options.HostBaseUris.TryGetValue(hostId, out var hostBase))
        {
            return new Uri(EnsureSlash(hostBase), relative);
        }

        if (_options.FleetBaseUri is { } fleet)
        {
            return new Uri(EnsureSlash(fleet), $"hosts/{Escape(hostId)}/{relative}");
        }

        throw new HypervisorRejectedException(hostId, null, HypervisorErrorCodes.UnknownHost, $"No endpoint is configured for host {hostId}.");
    }

    private static Uri EnsureSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private string Token(string hostId)
    {
        if (_options.HostTokens.TryGetValue(hostId, out var token))
        {
            return token;
        }

        if (!string.IsNullOrWhiteSpace(_options.FleetSecret))
        {
            return HostTokens.Derive(_options.FleetSecret, hostId);
        }

        throw new HypervisorRejectedException(hostId, null, HypervisorErrorCodes.Unauthenticated, $"No credential is configured for host {hostId}.");
    }

    private async Task<T> SendAsync<T>(string hostId, HttpMethod method, string relative, object? body, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        using var request = new HttpRequestMessage(method, HostUri(hostId, relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(hostId));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }
        else if (method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(new { }, options: Json);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (TimeoutRejectedException e)
        {
            throw new HypervisorTransientException(hostId, null, "timeout", $"{method} {relative} timed out", e);
        }
        catch (HttpRequestException e)
        {
            throw new HypervisorTransientException(hostId, null, "connection-failed", $"{method} {relative} failed: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HypervisorTransientException(hostId, null, "timeout", $"{method} {relative} timed out", e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
                return value ?? throw new HypervisorTransientException(hostId, (int)response.StatusCode, "empty-body", $"{method} {relative} answered without a body");
            }

            HypervisorError? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync<HypervisorError>(Json, cancellationToken);
            }
            catch (JsonException)
            {
                // Not the contract's error body (a proxy's page, for example): classified by status alone.
            }

            var status = (int)response.StatusCode;
            var code = error?.Code ?? $"http-{status}";
            var message = error?.Message ?? $"{method} {relative} answered {status}";
            if (status >= 500 || status == 408 || status == 429 || error?.Retryable == true)
            {
                throw new HypervisorTransientException(hostId, status, code, message);
            }

            throw new HypervisorRejectedException(hostId, status, code, message);
        }
    }
}
