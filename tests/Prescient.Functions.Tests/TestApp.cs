using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prescient.Functions.Http;
using Prescient.Functions.Storage;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.Settings;

namespace Prescient.Functions.Tests;

/// <summary>The HTTP functions over the real API handlers, a real settings store on Azurite, and fixed read models.</summary>
public sealed class TestApp
{
    public static readonly (string, string) FunctionKey = ("x-functions-key", "test-key");

    private TestApp(ISettingsRepository settings, IApiAuthorizer authorizer)
    {
        Settings = settings;
        Time = new FakeTimeProvider(FakeHostReadModel.T0.AddDays(1));
        var api = new OperationsApi(authorizer, Hosts, settings, Decisions, Migrations, Time, NullLogger<OperationsApi>.Instance);
        Functions = new ApiFunctions(api);
    }

    public FakeHostReadModel Hosts { get; } = new();

    public FakeDecisionLog Decisions { get; } = new();

    public FakeMigrationHistory Migrations { get; } = new();

    public ISettingsRepository Settings { get; }

    public FakeTimeProvider Time { get; }

    public ApiFunctions Functions { get; }

    /// <summary>A fresh settings table on Azurite for each app, so tests do not see each other's changes.</summary>
    public static TestApp OnAzurite(AzuriteFixture azurite, IApiAuthorizer? authorizer = null)
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient("settings" + Guid.NewGuid().ToString("N")[..12]);
        return new TestApp(new TableSettingsRepository(table), authorizer ?? new FunctionsHostAuthorizer());
    }

    /// <summary>Calls the function the Functions host would route <paramref name="pathAndQuery"/> to.</summary>
    public Task<HttpAnswer> CallAsync(string method, string pathAndQuery, object? json = null, string? rawBody = null, params (string, string)[] headers)
    {
        var context = HttpCall.Request(method, pathAndQuery, json, rawBody, headers);
        var group = pathAndQuery.Split('/', '?')[2];
        return HttpCall.RunAsync(context, request => group switch
        {
            "hosts" => Functions.HostsAsync(request, CancellationToken.None),
            "settings" => Functions.SettingsAsync(request, CancellationToken.None),
            "decisions" => Functions.DecisionsAsync(request, CancellationToken.None),
            "migrations" => Functions.MigrationsAsync(request, CancellationToken.None),
            _ => throw new ArgumentException($"no function for {pathAndQuery}"),
        });
    }

    public Task<HttpAnswer> GetAsync(string pathAndQuery) => CallAsync("GET", pathAndQuery, headers: FunctionKey);

    /// <summary>The stored settings and audit trail, read from the store directly (not through the API).</summary>
    public async Task<(VersionedSettings Current, IReadOnlyList<SettingsAuditEntry> Audit)> StoredSettingsAsync() =>
        (await Settings.GetAsync(CancellationToken.None), await Settings.GetAuditAsync(100, CancellationToken.None));
}
