using Azure.Data.Tables;

namespace Prescient.Pipeline.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class AzuriteFixtureTests(AzuriteFixture fixture)
{
    [Fact]
    public async Task Azurite_serves_tables_on_its_own_ports()
    {
        Assert.NotEqual(10002, fixture.Azurite.TablePort);
        var table = new TableClient(fixture.ConnectionString, "fixturecheck");
        await table.CreateIfNotExistsAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["Value"] = 42 });
        var read = await table.GetEntityAsync<TableEntity>("p", "r");
        Assert.Equal(42, read.Value.GetInt32("Value"));
    }
}
