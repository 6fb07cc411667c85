using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Prescient.Agent.Buffering;
using Prescient.Agent.Configuration;
using Prescient.Agent.Publishing;
using Prescient.Agent.Sampling;
using Prescient.Telemetry;

namespace Prescient.Agent.Hosting;

/// <summary>Test and embedding hooks for <see cref="AgentApplication.RunAsync"/>.</summary>
public sealed class AgentRunContext
{
    public TextWriter Out { get; init; } = Console.Out;

    public TextWriter Error { get; init; } = Console.Error;

    /// <summary>Stops the agent like SIGTERM does.</summary>
    public CancellationToken Stopping { get; init; }

    /// <summary>Extra logging setup (tests capture logs).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Extra configuration layered last (tests).</summary>
    public IReadOnlyDictionary<string, string?>? Settings { get; init; }

    /// <summary>Reads no environment variables (tests run in parallel in one process).</summary>
    public bool IgnoreEnvironment { get; init; }
}

/// <summary>
/// <c>prescient-agent</c>: configuration, validation, the Generic Host with the sampling and publishing workers,
/// and <c>--once</c>. Returns the process exit code (0 ok, 1 failure, 78 configuration error).
/// </summary>
public static class AgentApplication
{
    public const string EnvironmentPrefix = "PRESCIENT_";
    public const string DefaultConfigFile = "/etc/prescient-agent/appsettings.json";

    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--host-id"] = "Agent:HostId",
        ["--interval"] = "Agent:SampleInterval",
        ["--batch-size"] = "Agent:SamplesPerBatch",
        ["--buffer"] = "Agent:BufferDirectory",
        ["--transport"] = "Agent:Transport:Kind",
    };

    public static async Task<int> RunAsync(string[] args, AgentRunContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        context ??= new AgentRunContext();
        if (args.Contains("--help") || args.Contains("-h"))
        {
            await context.Out.WriteLineAsync(Usage);
            return ExitCodes.Ok;
        }

        var once = args.Contains("--once");
        var rest = args.Where(a => a != "--once").ToArray();
        try
        {
            var builder = CreateBuilder(rest, once, context);
            using var host = builder.Build();
            if (once)
            {
                return await PrintOneSampleAsync(host.Services, context);
            }

            var exit = host.Services.GetRequiredService<AgentExit>();
            await host.RunAsync(context.Stopping);
            return exit.Code;
        }
        catch (AgentConfigurationException exception)
        {
            await context.Error.WriteLineAsync($"prescient-agent: configuration error: {exception.Message}");
            return ExitCodes.Config;
        }
        catch (OptionsValidationException exception)
        {
            foreach (var failure in exception.Failures)
            {
                await context.Error.WriteLineAsync($"prescient-agent: configuration error: {failure}");
            }

            return ExitCodes.Config;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"prescient-agent: failed: {exception.GetType().Name}: {exception.Message}");
            return ExitCodes.Failure;
        }
    }

    internal static HostApplicationBuilder CreateBuilder(string[] args, bool once, AgentRunContext context)
    {
        var (configFile, remaining) = ExtractConfigFile(args);
        CheckCommandLine(remaining);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = remaining,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "prescient-agent",
        });

        var configuration = builder.Configuration;
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (configFile is null)
        {
            configuration.AddJsonFile(DefaultConfigFile, optional: true);
        }
        else if (!File.Exists(configFile))
        {
            throw new AgentConfigurationException($"--config: the file '{configFile}' does not exist.");
        }
        else
        {
            configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

        if (!context.IgnoreEnvironment)
        {
            configuration.AddEnvironmentVariables(EnvironmentPrefix);
        }

        configuration.AddCommandLine(remaining, SwitchMappings);
        if (context.Settings is not null)
        {
            configuration.AddInMemoryCollection(context.Settings);
        }

        ConfigureLogging(builder, context);
        builder.Services.AddPrescientAgent(builder.Configuration, once);
        return builder;
    }

    /// <summary>The agent's services: validated options, the buffer, the transport and the two workers.</summary>
    public static IServiceCollection AddPrescientAgent(this IServiceCollection services, IConfiguration configuration, bool once)
    {
        services.AddSingleton(new AgentRunMode(once));
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddOptions<AgentOptions>()
            .Configure(options => AgentOptionsBinder.Bind(configuration, options))
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AgentExit>();
        if (once)
        {
            return services;
        }

        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<AgentOptions>>().Value;
            try
            {
                return DiskBuffer.Open(
                    options.BufferDirectory,
                    options.HostId,
                    new BufferLimits(options.MaxBufferBytes, options.MaxBufferBatches),
                    provider.GetRequiredService<ILoggerFactory>().CreateLogger<DiskBuffer>(),
                    firstSequenceIfNew: provider.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds());
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new AgentConfigurationException(
                    $"{AgentOptions.SectionName}:BufferDirectory '{options.BufferDirectory}' cannot be used: {exception.Message}", exception);
            }
        });
        services.AddSingleton(provider => TransportFactory.Create(provider.GetRequiredService<IOptions<AgentOptions>>().Value.Transport));
        // Stopped in reverse order: sampling stops and seals its open batch first, then publishing flushes.
        services.AddHostedService<PublishingService>();
        services.AddHostedService<SamplingService>();
        services.AddHostedService<HypervisorEndpointService>();
        services.AddSystemd();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(75));
        return services;
    }

    private static void ConfigureLogging(HostApplicationBuilder builder, AgentRunContext context)
    {
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(LogLevel.Information);

        // The host logs a start failure with its stack trace; the agent prints one clear line itself instead.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        if (context.ConfigureLogging is null)
        {
            // Logs go to stderr: stdout carries only --once's JSON line. Under systemd they reach the journal.
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }
        else
        {
            context.ConfigureLogging(builder.Logging);
        }
    }

    private static async Task<int> PrintOneSampleAsync(IServiceProvider services, AgentRunContext context)
    {
        // Resolving the options runs the validators (those --once needs: host id, interval, procfs).
        var options = services.GetRequiredService<IOptions<AgentOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var sampler = new HostSampler(options, time);
        _ = sampler.Sample();
        var window = options.SampleInterval < TimeSpan.FromSeconds(1) ? options.SampleInterval : TimeSpan.FromSeconds(1);
        await Task.Delay(window, time, context.Stopping);
        var sample = sampler.Sample() ?? throw new InvalidOperationException("No sample after the priming reading.");
        var json = TelemetrySerializer.Serialize(TelemetryBatch.Create(options.HostId, [sample]));
        await context.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(json));
        await context.Out.FlushAsync();
        return ExitCodes.Ok;
    }

    private static (string? ConfigFile, string[] Remaining) ExtractConfigFile(string[] args)
    {
        string? file = null;
        var remaining = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config")
            {
                if (i + 1 >= args.Length)
                {
                    throw new AgentConfigurationException("--config needs a file path.");
                }

                file = args[++i];
            }
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                file = args[i]["--config=".Length..];
            }
            else
            {
                remaining.Add(args[i]);
            }
        }

        return (file, remaining.ToArray());
    }

    /// <summary>Every command-line setting must be an agent or logging setting: a misspelt option is an error, not ignored.</summary>
    private static void CheckCommandLine(string[] args)
    {
        CommandLineConfigurationProvider provider;
        try
        {
            provider = new CommandLineConfigurationProvider(args, SwitchMappings);
            provider.Load();
        }
        catch (FormatException exception)
        {
            throw new AgentConfigurationException($"Command line: {exception.Message} Use --help.", exception);
        }

        foreach (var key in provider.GetChildKeys([], parentPath: null).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!key.Equals(AgentOptions.SectionName, StringComparison.OrdinalIgnoreCase) && !key.Equals("Logging", StringComparison.OrdinalIgnoreCase))
            {
                throw new AgentConfigurationException($"Unknown command-line option '--{key}'. Settings are given as --Agent:Name value (or {string.Join(", ", SwitchMappings.Keys)}); use --help.");
            }
        }
    }

    public const string Usage = """
        prescient-agent: samples this Linux host (CPU, memory, IO, VMs under machine.slice) and publishes telemetry
        batches to Event Hubs or an Azure Storage queue, buffering on disk while the transport is unreachable.

        Usage:
          prescient-agent [--config FILE] [--Agent:Setting value ...]
          prescient-agent --once        print one sample as one JSON line and exit
          prescient-agent --help

        Configuration (later wins): appsettings.json beside the binary, /etc/prescient-agent/appsettings.json
        (or --config FILE), environment variables PRESCIENT_AGENT__<SETTING> (e.g. PRESCIENT_AGENT__TRANSPORT__KIND),
        the command line (--Agent:Transport:Kind StorageQueue, or --host-id, --interval, --batch-size, --buffer,
        --transport). See docs/agent.md.

        Exit codes: 0 ok, 1 failure (systemd restarts), 78 configuration error (EX_CONFIG; not restarted).
        """;
}
