using Azure.Core;
using Azure.Identity;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Azure.Storage.Queues;
using Prescient.Agent.Configuration;
using Prescient.Telemetry;

namespace Prescient.Agent.Publishing;

/// <summary>
/// Builds the pipeline's publisher (<see cref="QueueTelemetryPublisher"/> or <see cref="EventHubTelemetryPublisher"/>)
/// from validated options. The SDK clients retry little on their own: the agent's buffer and back-off own retrying.
/// </summary>
public static class TransportFactory
{
    public static AgentTransport Create(TransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Kind switch
        {
            TransportKind.StorageQueue => CreateQueue(options.StorageQueue),
            TransportKind.EventHubs => CreateEventHubs(options.EventHubs),
            _ => throw new AgentConfigurationException($"{AgentOptions.SectionName}:Transport:Kind is required: EventHubs or StorageQueue."),
        };
    }

    public static TokenCredential CreateCredential(CredentialKind kind, string? clientId) => kind switch
    {
        CredentialKind.ManagedIdentity => new ManagedIdentityCredential(
            string.IsNullOrEmpty(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId)),
        CredentialKind.WorkloadIdentity => new WorkloadIdentityCredential(new WorkloadIdentityCredentialOptions { ClientId = clientId }),
        CredentialKind.Environment => new EnvironmentCredential(),
        CredentialKind.AzureCli => new AzureCliCredential(),
        _ => new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId }),
    };

    private static AgentTransport CreateQueue(StorageQueueTransportOptions options)
    {
        var clientOptions = new QueueClientOptions();
        clientOptions.Retry.MaxRetries = 1;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(20);
        QueueClient queue;
        string auth;
        if (!string.IsNullOrEmpty(options.ConnectionString))
        {
            queue = new QueueClient(options.ConnectionString, options.QueueName, clientOptions);
            auth = "connection string";
        }
        else
        {
            var serviceUri = options.ServiceUri!;
            var queueUri = new Uri(serviceUri.AbsoluteUri.TrimEnd('/') + "/" + options.QueueName);
            queue = new QueueClient(queueUri, CreateCredential(options.Credential, options.ClientId), clientOptions);
            auth = options.Credential + " credential";
        }

        var publisher = new QueueTelemetryPublisher(queue);
        var description = $"Storage queue {queue.Uri.GetLeftPart(UriPartial.Path)} ({auth})";
        return new AgentTransport(
            options.CreateIfNotExists ? new CreateQueueFirst(queue, publisher) : publisher,
            description,
            resource: null);
    }

    private static AgentTransport CreateEventHubs(EventHubsTransportOptions options)
    {
        var clientOptions = new EventHubProducerClientOptions
        {
            RetryOptions = new EventHubsRetryOptions { MaximumRetries = 1, TryTimeout = TimeSpan.FromSeconds(20) },
        };
        EventHubProducerClient producer;
        string description;
        if (!string.IsNullOrEmpty(options.ConnectionString))
        {
            producer = string.IsNullOrEmpty(options.EventHubName)
                ? new EventHubProducerClient(options.ConnectionString, clientOptions)
                : new EventHubProducerClient(options.ConnectionString, options.EventHubName, clientOptions);
            description = $"Event Hubs {producer.FullyQualifiedNamespace}/{producer.EventHubName} (connection string)";
        }
        else
        {
            producer = new EventHubProducerClient(
                options.FullyQualifiedNamespace,
                options.EventHubName,
                CreateCredential(options.Credential, options.ClientId),
                clientOptions);
            description = $"Event Hubs {options.FullyQualifiedNamespace}/{options.EventHubName} ({options.Credential} credential)";
        }

        return new AgentTransport(new EventHubTelemetryPublisher(producer), description, producer);
    }

    /// <summary>Creates the queue (once, when it is missing) before the first send; the user opted in.</summary>
    private sealed class CreateQueueFirst(QueueClient queue, ITelemetryPublisher inner) : ITelemetryPublisher
    {
        private bool _created;

        public async Task PublishAsync(TelemetryBatch batch, CancellationToken cancellationToken)
        {
            if (!_created)
            {
                await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                _created = true;
            }

            await inner.PublishAsync(batch, cancellationToken);
        }
    }
}
