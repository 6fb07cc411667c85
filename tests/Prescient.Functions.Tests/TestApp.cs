using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prescient.Functions.Http;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.DeadLetters;
using Prescient.Pipeline.Api.Settings;
using Prescient.Pipeline.Storage;

namespace Prescient.Functions.Tests;

/// <summary>The HTTP functions over the real API handlers, a real settings store on Azurite, and fixed read models.</summary>
public sealed class TestApp
{
    public static readonly (string, string) FunctionKey = ("x-functions-key", "test-key");

    private TestApp(TableServiceClient tables, IApiAuthorizer authorizer)
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        Time = new FakeTimeProvider(FakeHostReadModel.T0.AddDays(1));
        var settingsTable = tables.GetTableClient("settings" + suffix);
        settingsTable.CreateIfNotExists();
        Settings = new SettingsStore(settingsTable, Time);
        Audit = new SettingsAuditLog(Settings, tables.GetTableClient("audit" + suffix));
        var deadLetterTable = tables.GetTableClient("deadletters" + suffix);
        deadLetterTable.CreateIfNotExists();
        DeadLetters = new DeadLetterStore(deadLetterTable, Time);
        var api = new OperationsApi(
            authorizer, Hosts, new SettingsHandler(Settings, Audit, Hosts), Decisions, Migrations,
            new DeadLettersHandler(DeadLetters, Time), Time, NullLogger<OperationsApi>.Instance);
        Functions = new ApiFunctions(api);
    }

    public FakeHostReadModel Hosts { get; } = new();

    public FakeDecisionLog Decisions { get; } = new();

    public FakeMigrationHistory Migrations { get; } = new();

    public SettingsStore Settings { get; }

    public SettingsAuditLog Audit { get; }

    public DeadLetterStore DeadLetters { get; }

    public FakeTimeProvider Time { get; }

    public ApiFunctions Functions { get; }

    /// <summary>Fresh settings and audit tables on Azurite for each app, so tests do not see each other's changes.</summary>
    public static TestApp OnAzurite(AzuriteFixture azurite, IApiAuthorizer? authorizer = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        return new TestApp(new TableServiceClient(azurite.ConnectionString), authorizer ?? new FunctionsHostAuthorizer());
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
            "migrations" => Functions.MigrationsAsync(request, UnusedDurableClient.Instance, CancellationToken.None),
            "deadletters" => Functions.DeadLettersAsync(request, CancellationToken.None),
            _ => throw new ArgumentException($"no function for {pathAndQuery}"),
        });
    }

    public Task<HttpAnswer> GetAsync(string pathAndQuery) => CallAsync("GET", pathAndQuery, headers: FunctionKey);

    /// <summary>The stored settings, their version and the audit trail, read from the stores directly (not through the API).</summary>
    public async Task<(Core.Settings.SettingsDocument Document, string ETag, IReadOnlyList<SettingsAuditEntry> Audit)> StoredSettingsAsync()
    {
        var (document, version) = await Settings.GetAsync(CancellationToken.None);
        return (document, SettingsHandler.ToETagText(version), await Audit.RecentAsync(100, CancellationToken.None));
    }
}

/// <summary>A durable client for functions whose tested paths do not reach it (the fake migration history is used).</summary>
public static class UnusedDurableClient
{
    public static Microsoft.DurableTask.Client.DurableTaskClient Instance { get; } = new Microsoft.DurableTask.Client.Grpc.GrpcDurableTaskClient(
        "unused",
        new Microsoft.DurableTask.Client.Grpc.GrpcDurableTaskClientOptions { Channel = Grpc.Net.Client.GrpcChannel.ForAddress("http://127.0.0.1:9") },
        NullLogger.Instance);
}
