using Azure.Identity;
using Prescient.Agent.Configuration;
using Prescient.Agent.Publishing;
using Prescient.Telemetry;

namespace Prescient.Agent.Tests.Transport;

public sealed class TransportFactoryTests
{
    private const string Key = "c2VjcmV0LWtleS1ub3QtdG8tYmUtbG9nZ2Vk";

    [Fact]
    public async Task Event_hubs_with_a_connection_string_uses_the_pipelines_publisher_and_describes_itself_without_the_key()
    {
        await using var transport = TransportFactory.Create(new TransportOptions
        {
            Kind = TransportKind.EventHubs,
            EventHubs = new EventHubsTransportOptions
            {
                ConnectionString = $"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={Key};EntityPath=telemetry",
            },
        });
        Assert.IsType<EventHubTelemetryPublisher>(transport.Publisher);
        Assert.Equal("Event Hubs ns.servicebus.windows.net/telemetry (connection string)", transport.Description);
    }

    [Fact]
    public async Task A_storage_queue_by_service_uri_uses_an_azure_credential()
    {
        await using var transport = TransportFactory.Create(new TransportOptions
        {
            Kind = TransportKind.StorageQueue,
            StorageQueue = new StorageQueueTransportOptions
            {
                ServiceUri = new Uri("https://account.queue.core.windows.net/"),
                QueueName = "telemetry",
                Credential = CredentialKind.ManagedIdentity,
            },
        });
        Assert.IsType<QueueTelemetryPublisher>(transport.Publisher);
        Assert.Equal("Storage queue https://account.queue.core.windows.net/telemetry (ManagedIdentity credential)", transport.Description);
    }

    [Fact]
    public async Task A_sas_connection_string_never_shows_its_signature()
    {
        await using var transport = TransportFactory.Create(new TransportOptions
        {
            Kind = TransportKind.StorageQueue,
            StorageQueue = new StorageQueueTransportOptions
            {
                ConnectionString = $"QueueEndpoint=https://account.queue.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig={Key}",
                QueueName = "telemetry",
            },
        });
        Assert.DoesNotContain(Key, transport.Description, StringComparison.Ordinal);
        Assert.Contains("https://account.queue.core.windows.net/telemetry", transport.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CredentialKind.Default, typeof(DefaultAzureCredential))]
    [InlineData(CredentialKind.ManagedIdentity, typeof(ManagedIdentityCredential))]
    [InlineData(CredentialKind.Environment, typeof(EnvironmentCredential))]
    [InlineData(CredentialKind.AzureCli, typeof(AzureCliCredential))]
    public void The_named_credential_is_the_one_used(CredentialKind kind, Type expected)
    {
        Assert.IsType(expected, TransportFactory.CreateCredential(kind, clientId: null));
    }
}
