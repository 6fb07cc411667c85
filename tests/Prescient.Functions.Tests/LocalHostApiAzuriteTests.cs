using System.Net;
using System.Net.Http.Headers;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.Decisions;
using Prescient.Pipeline.Api.Hosts;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Api.Settings;
using Prescient.Pipeline.Storage;

namespace Prescient.Functions.Tests;

/// <summary>
/// The same handlers in a plain ASP.NET Core host on 127.0.0.1 (the local form), over real HTTP: reads open on
/// loopback, changes need the generated bearer token; settings on Azurite.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalHostApiAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_local_host_serves_the_api_on_loopback_and_changes_need_the_token()
    {
        var token = BearerTokenAuthorizer.GenerateToken();
        var tables = new TableServiceClient(azurite.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var settingsTable = tables.GetTableClient("lsettings" + suffix);
        await settingsTable.CreateIfNotExistsAsync();
        var migrations = new FakeMigrationHistory();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IApiAuthorizer>(new BearerTokenAuthorizer(token));
        builder.Services.AddSingleton<IHostReadModel, FakeHostReadModel>();
        builder.Services.AddSingleton<IDecisionLog, FakeDecisionLog>();
        builder.Services.AddSingleton<IMigrationHistory>(migrations);
        builder.Services.AddSingleton(sp => new SettingsStore(settingsTable, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ISettingsAuditLog>(sp => new SettingsAuditLog(sp.GetRequiredService<SettingsStore>(), tables.GetTableClient("laudit" + suffix)));
        builder.Services.AddSingleton(sp => new DeadLetterStore(tables.GetTableClient("ldead" + suffix), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<SettingsHandler>();
        builder.Services.AddSingleton<Pipeline.Api.DeadLetters.DeadLettersHandler>();
        builder.Services.AddSingleton<OperationsApi>();
        await using var app = builder.Build();
        app.MapOperationsApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var hosts = await http.GetAsync(new Uri("/api/hosts", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, hosts.StatusCode);
        Assert.Contains("\"h1\"", await hosts.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var refused = await http.PostAsync(new Uri("/api/migrations/m3/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var put = new HttpRequestMessage(HttpMethod.Put, "/api/settings/global") { Content = new StringContent("""{"dryRun":true}""", System.Text.Encoding.UTF8, "application/json") };
        put.Headers.TryAddWithoutValidation("If-Match", "*");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(put)).StatusCode);
        Assert.Empty(migrations.Cancels);
        Assert.Null((await new SettingsStore(settingsTable, TimeProvider.System).GetAsync(CancellationToken.None)).Document.Global.DryRun);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(new Uri("/api/migrations/m3/cancel", UriKind.Relative), null)).StatusCode);
        put = new HttpRequestMessage(HttpMethod.Put, "/api/settings/global") { Content = new StringContent("""{"dryRun":true}""", System.Text.Encoding.UTF8, "application/json") };
        put.Headers.TryAddWithoutValidation("If-Match", "*");
        var saved = await http.SendAsync(put);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.NotNull(saved.Headers.ETag);
        Assert.True((await new SettingsStore(settingsTable, TimeProvider.System).GetAsync(CancellationToken.None)).Document.Global.DryRun);
        await app.StopAsync();
    }

    /// <summary>
    /// DNS rebinding: a page on attacker.example whose name is made to resolve to 127.0.0.1 reaches the local API with
    /// its own name in Host. Only loopback names are answered; anything else gets 421 and no data.
    /// </summary>
    [Theory]
    [InlineData("attacker.example", 421)]
    [InlineData("localhost.attacker.example", 421)]
    [InlineData("127.0.0.1.nip.io", 421)]
    [InlineData("192.168.1.10", 421)]
    [InlineData("localhost", 200)]
    [InlineData("LocalHost", 200)]
    [InlineData("127.0.0.1", 200)]
    [InlineData("[::1]", 200)]
    public async Task The_local_host_answers_only_loopback_host_names(string hostName, int status)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IApiAuthorizer>(new BearerTokenAuthorizer(BearerTokenAuthorizer.GenerateToken()));
        builder.Services.AddSingleton<IHostReadModel, FakeHostReadModel>();
        await using var app = builder.Build();
        app.UseLoopbackHostNamesOnly();
        app.MapGet("/api/hosts", (IHostReadModel hosts) => hosts.ListAsync(CancellationToken.None));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/api/hosts"));
        request.Headers.Host = $"{hostName}:{address.Port}";
        using var answer = await http.SendAsync(request);
        var body = await answer.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)answer.StatusCode);
        if (status == 421)
        {
            Assert.DoesNotContain("h1", body, StringComparison.Ordinal);
            Assert.Contains("misdirected-request", body, StringComparison.Ordinal);
        }

        await app.StopAsync();
    }
}
