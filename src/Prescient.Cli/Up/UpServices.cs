using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prescient.Local;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Hypervisor;
using Prescient.Pipeline.Migration;

namespace Prescient.Cli.Up;

/// <summary>
/// <c>up</c>'s composition root: the same registrations as the Functions app (<c>AddPrescientPipeline</c>,
/// <c>AddPrescientMigrations</c> with the migration activities, <c>AddPrescientOperationsApi</c>; options bound from
/// configuration and validated), overriding only what differs on one machine: storage (Azurite's connection string),
/// the clock (simulated), the durable runtime (the local one's client), the fleet (the simulator's hypervisor
/// endpoints) and the API's authoriser (a bearer token on loopback). The API and dashboard are served on 127.0.0.1.
/// </summary>
internal static class UpServices
{
    public static WebApplication Build(
        LocalPipelineOptions options,
        string storageConnectionString,
        string namePrefix,
        SimClock clock,
        Action<HypervisorClientOptions> hypervisors,
        string apiToken,
        IDurableClientProvider durable,
        ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.ApiPort));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        // up handles Ctrl-C and SIGTERM itself, and stops its parts in order.
        builder.Services.AddSingleton<IHostLifetime, CallerControlledLifetime>();
        builder.Services.AddSingleton<TimeProvider>(clock);

        // The same registrations as the Functions app.
        builder.Services
            .AddPrescientPipeline(builder.Configuration, o =>
            {
                o.StorageConnectionString = storageConnectionString;
                o.NamePrefix = namePrefix;
            })
            .AddPrescientQueueTelemetryPublisher()
            .AddPrescientMigrations(builder.Configuration, o => o.Policy = options.Hypervisor == DemoHypervisor.Qemu ? QemuMigrationPolicy(options.Speed) : MigrationPolicy(options.Speed))
            .AddPrescientMigrationActivities(hypervisors)
            .AddPrescientOperationsApi();

        // What differs on one machine.
        builder.Services.Replace(ServiceDescriptor.Singleton(durable));
        builder.Services.Replace(ServiceDescriptor.Singleton<IApiAuthorizer>(new BearerTokenAuthorizer(apiToken)));

        var app = builder.Build();
        DashboardFiles.Map(app, options.DashboardRoot);
        // The same ASP.NET Core bridge the Functions app uses: every other /api route goes to the operations API.
        app.MapOperationsApi();
        return app;
    }

    /// <summary>
    /// Migration timeouts and polling sized for a simulated fleet on loopback (real time: the workflows run on the
    /// durable runtime's clock). The lease is on the pipeline's clock: five real minutes of simulated time, longer
    /// than any move (each move renews it when it starts); leases of a run that stopped are reconciled at the next start.
    /// </summary>
    public static MigrationPolicy MigrationPolicy(double speed) => new()
    {
        Timeouts = new StepTimeouts
        {
            Bookkeeping = TimeSpan.FromSeconds(60),
            Prepare = TimeSpan.FromSeconds(10),
            RoundCall = TimeSpan.FromSeconds(10),
            Round = TimeSpan.FromSeconds(60),
            Quiesce = TimeSpan.FromSeconds(10),
            Resume = TimeSpan.FromSeconds(10),
            Finish = TimeSpan.FromSeconds(30),
            Abort = TimeSpan.FromSeconds(20),
        },
        Retry = new RetrySettings { MaxAttempts = 5, FirstRetryInterval = TimeSpan.FromMilliseconds(200), BackoffCoefficient = 2, MaxRetryInterval = TimeSpan.FromSeconds(2) },
        PollInterval = TimeSpan.FromMilliseconds(500),
        MinPollInterval = TimeSpan.FromMilliseconds(100),
        LeaseDuration = TimeSpan.FromMinutes(Math.Max(2, 5 * speed)),
    };

    /// <summary>Migration timeouts for real QEMU guests on a busy machine (TCG): longer steps, the same polling.</summary>
    public static MigrationPolicy QemuMigrationPolicy(double speed) => MigrationPolicy(speed) with
    {
        Timeouts = new StepTimeouts
        {
            Bookkeeping = TimeSpan.FromSeconds(60),
            Status = TimeSpan.FromSeconds(60),
            Prepare = TimeSpan.FromSeconds(90),
            RoundCall = TimeSpan.FromSeconds(60),
            Round = TimeSpan.FromMinutes(3),
            Quiesce = TimeSpan.FromSeconds(90),
            Resume = TimeSpan.FromSeconds(60),
            Finish = TimeSpan.FromSeconds(60),
            Abort = TimeSpan.FromSeconds(90),
        },
    };
}
