using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;

namespace Prescient.Hypervisor.Peers;

/// <summary>
/// Calls other agents of the migration domain (their <c>/peer</c> routes). A peer that cannot be reached, or does not
/// answer in time, is an error with code <see cref="Unreachable"/>: the caller decides what that means for its step.
/// </summary>
public sealed class PeerClient(HttpClient http, IReadOnlyDictionary<string, Uri> peers, string? token)
{
    public const string Unreachable = "peer-unreachable";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Uri> _peers = new(peers, StringComparer.Ordinal);

    public bool Knows(string hostId) => _peers.ContainsKey(hostId);

    /// <summary>Adds or moves a peer (e.g. once an endpoint that picked its port listens).</summary>
    public void SetPeer(string hostId, Uri baseUri) => _peers[hostId] = baseUri;

    public Task<HypervisorResult<OutgoingGrant>> RegisterOutgoingAsync(string sourceHostId, string migrationId, OutgoingRequest request, CancellationToken cancellationToken) =>
        SendAsync<OutgoingGrant>(sourceHostId, HttpMethod.Post, $"peer/migrations/{Escape(migrationId)}/outgoing", request, DefaultTimeout, cancellationToken);

    public Task<HypervisorResult<IncomingInfo>> GetIncomingAsync(string destinationHostId, string migrationId, CancellationToken cancellationToken) =>
        SendAsync<IncomingInfo>(destinationHostId, HttpMethod.Get, $"peer/migrations/{Escape(migrationId)}/incoming", null, DefaultTimeout, cancellationToken);

    public Task<HypervisorResult<ResumeIncomingResponse>> ResumeIncomingAsync(string destinationHostId, string migrationId, ResumeIncomingRequest request, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync<ResumeIncomingResponse>(destinationHostId, HttpMethod.Post, $"peer/migrations/{Escape(migrationId)}/incoming/resume", request, timeout, cancellationToken);

    public Task<HypervisorResult<DropIncomingResponse>> DropIncomingAsync(string destinationHostId, string migrationId, CancellationToken cancellationToken) =>
        SendAsync<DropIncomingResponse>(destinationHostId, HttpMethod.Post, $"peer/migrations/{Escape(migrationId)}/incoming/drop", new { }, DefaultTimeout, cancellationToken);

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private async Task<HypervisorResult<T>> SendAsync<T>(string hostId, HttpMethod method, string relative, object? body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_peers.TryGetValue(hostId, out var baseUri))
        {
            return HypervisorResult<T>.Fail(404, HypervisorErrorCodes.UnknownHost, $"No peer endpoint is configured for host {hostId}.");
        }

        if (string.IsNullOrEmpty(token))
        {
            return HypervisorResult<T>.Fail(409, HypervisorErrorCodes.Conflict, "No peer token is configured: agents cannot migrate VMs to each other.");
        }

        var address = new Uri(baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/"), relative);
        using var request = new HttpRequestMessage(method, address);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: HypervisorJson.Options);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, limit.Token);
            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadFromJsonAsync<T>(HypervisorJson.Options, limit.Token);
                return value is null
                    ? HypervisorResult<T>.Fail(502, Unreachable, $"{hostId} answered {relative} without a body", retryable: true)
                    : HypervisorResult<T>.Ok(value);
            }

            HypervisorError? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync<HypervisorError>(HypervisorJson.Options, limit.Token);
            }
            catch (JsonException)
            {
                // Not an agent's error body.
            }

            var status = (int)response.StatusCode;
            return HypervisorResult<T>.Fail(status, error?.Code ?? $"http-{status}", $"{hostId}: {error?.Message ?? $"{method} {relative} answered {status}"}",
                error?.Retryable ?? status >= 500);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return HypervisorResult<T>.Fail(504, Unreachable, $"{hostId} did not answer {method} {relative}: {e.Message}", retryable: true);
        }
    }
}
