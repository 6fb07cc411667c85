using Microsoft.Extensions.Configuration;
using Prescient.Agent.Configuration;
using Prescient.Agent.Hosting;

namespace Prescient.Agent.Tests.Configuration;

public sealed class ConfigurationTests : IDisposable
{
    // Azurite's public development key stands in for a secret: it must never be echoed.
    private const string SecretKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string[], string> Malformed => new()
    {
        { ["--Agent:SampleInterval", "abc"], "'Agent:SampleInterval'" },
        { ["--Agent:SampleInterval", "00:00:00.010"], "Agent:SampleInterval must be between" },
        { ["--Agent:SamplesPerBatch", "0"], "Agent:SamplesPerBatch must be between 1 and 1000" },
        { ["--Agent:SamplesPerBatch", "many"], "'Agent:SamplesPerBatch'" },
        { ["--Agent:MaxBufferBytes", "10"], "Agent:MaxBufferBytes must be at least" },
        { ["--Agent:HostId", "bad host/id"], "Agent:HostId must be" },
        { ["--Agent:Transport:Kind", "Kafka"], "'Agent:Transport:Kind'" },
        { ["--Agent:Transport:Kind", "None"], "Agent:Transport:Kind is required" },
        { ["--Agent:SampleIntervall", "00:00:05"], "Unknown setting 'Agent:SampleIntervall'" },
        { ["--Agent:Transport:StorageQueue:Queue", "x"], "Unknown setting 'Agent:Transport:StorageQueue:Queue'" },
        { ["--HostId", "web1"], "Unknown command-line option '--HostId'" },
        { ["--Agent:Transport:StorageQueue:QueueName", "Bad_Name"], "Agent:Transport:StorageQueue:QueueName must be" },
        { ["--Agent:Transport:StorageQueue:ConnectionString", "UseDevelopmentStorage=true"], "set exactly one of ConnectionString or ServiceUri" },
        { ["--Agent:Transport:StorageQueue:ServiceUri", "not a uri"], "Agent:Transport:StorageQueue:ServiceUri must be an absolute" },
        { ["--Agent:Transport:StorageQueue:Credential", "Password"], "'Agent:Transport:StorageQueue:Credential'" },
        { ["--Agent:RetryInitialDelay", "00:05:00", "--Agent:RetryMaxDelay", "00:01:00"], "Agent:RetryInitialDelay must be positive and at most" },
        { ["--Agent:ProcPath", "/nonexistent-proc"], "Agent:ProcPath" },
        { ["--Agent:Hypervisor:Backend", "Xen"], "'Agent:Hypervisor:Backend'" },
        { ["--Agent:Hypervisor:Backend", "Qemu"], "Agent:Hypervisor:TokenFile is required" },
        { ["--Agent:Hypervisor:Backend", "Qemu", "--Agent:Hypervisor:TokenFile", "/nonexistent-token"], "Agent:Hypervisor:TokenFile: '/nonexistent-token' does not exist" },
        { ["--Agent:Hypervisor:Qemu:BandwidthMb", "10"], "Unknown setting 'Agent:Hypervisor:Qemu:BandwidthMb'" },
        { ["--Agent:Hypervisor:Backend", "Qemu", "--Agent:Hypervisor:Qemu:BandwidthMBps", "0"], "Agent:Hypervisor:Qemu: BandwidthMBps must be > 0" },
        { ["--Agent:Hypervisor:Backend", "Qemu", "--Agent:Hypervisor:Peers:h2", "http://10.0.0.2:7080/"], "Agent:Hypervisor:PeerTokenFile is required" },
        { ["--Agent:Hypervisor:Backend", "Qemu", "--Agent:Hypervisor:Power:Peers:h2:Mac", "zz:bb"], "Agent:Hypervisor:Power:Peers:h2:Mac must be six hex bytes" },
        { ["--Agent:Hypervisor:Power:Peers:h2:Mack", "aa:bb:cc:dd:ee:ff"], "Unknown setting 'Agent:Hypervisor:Power:Peers:h2:Mack'" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_configuration_fails_fast_with_exit_code_78_naming_the_setting(string[] args, string expected)
    {
        var (code, stderr, _) = await RunAsync([.. QueueArgs(), .. args]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.StartsWith("prescient-agent: configuration error:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_transport_is_named()
    {
        var (code, stderr, _) = await RunAsync(["--Agent:BufferDirectory", _folder.Sub("buffer")]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("Agent:Transport:Kind is required: EventHubs or StorageQueue", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Event_hubs_settings_are_checked_and_a_bad_connection_string_is_not_echoed()
    {
        var (code, stderr, _) = await RunAsync(
            ["--Agent:BufferDirectory", _folder.Sub("b"), "--Agent:Transport:Kind", "EventHubs"]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("Agent:Transport:EventHubs:FullyQualifiedNamespace is required", stderr, StringComparison.Ordinal);
        Assert.Contains("Agent:Transport:EventHubs:EventHubName is required", stderr, StringComparison.Ordinal);

        (code, stderr, _) = await RunAsync(
            ["--Agent:BufferDirectory", _folder.Sub("b"), "--Agent:Transport:Kind", "EventHubs",
             "--Agent:Transport:EventHubs:ConnectionString", $"SharedAccessKey={SecretKey};garbage"]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("Agent:Transport:EventHubs:ConnectionString is not a valid Event Hubs connection string", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretKey, stderr, StringComparison.Ordinal);

        (code, stderr, _) = await RunAsync(
            ["--Agent:BufferDirectory", _folder.Sub("b"), "--Agent:Transport:Kind", "EventHubs",
             "--Agent:Transport:EventHubs:FullyQualifiedNamespace", "ns.servicebus.windows.net",
             "--Agent:Transport:EventHubs:EventHubName", "telemetry",
             "--Agent:Transport:EventHubs:Credential", "ManagedIdentity",
             "--Agent:Transport:EventHubs:ClientId", "not-a-guid"]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("Agent:Transport:EventHubs:ClientId must be a GUID", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_storage_connection_string_is_named_but_not_echoed()
    {
        var (code, stderr, _) = await RunAsync(
            ["--Agent:BufferDirectory", _folder.Sub("b"), "--Agent:Transport:Kind", "StorageQueue",
             "--Agent:Transport:StorageQueue:QueueName", "telemetry",
             "--Agent:Transport:StorageQueue:ConnectionString", $"AccountKey={SecretKey};NoEndpointsHere"]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("Agent:Transport:StorageQueue:ConnectionString is not a valid Storage connection string", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretKey, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unusable_buffer_folder_is_a_configuration_error()
    {
        var file = _folder.Sub("a-file");
        await File.WriteAllTextAsync(file, "not a folder");
        var (code, stderr, _) = await RunAsync([.. QueueArgs(), "--Agent:BufferDirectory", Path.Combine(file, "buffer")]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("Agent:BufferDirectory", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_value_in_the_settings_file_is_named_and_a_missing_file_too()
    {
        var path = _folder.Sub("appsettings.json");
        await File.WriteAllTextAsync(path, """{ "Agent": { "SamplesPerBatch": 5000, "Transport": { "Kind": "StorageQueue" } } }""");
        var (code, stderr, _) = await RunAsync(["--config", path]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("Agent:SamplesPerBatch must be between 1 and 1000 (got 5000)", stderr, StringComparison.Ordinal);
        Assert.Contains("Agent:Transport:StorageQueue:QueueName", stderr, StringComparison.Ordinal);

        (code, stderr, _) = await RunAsync(["--config", _folder.Sub("missing.json")]);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("--config", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_executable_reads_PRESCIENT_AGENT_environment_variables_and_exits_78_on_a_bad_one()
    {
        var (code, _, stderr) = await AgentProcess.RunAsync(
            [],
            new Dictionary<string, string>
            {
                ["PRESCIENT_AGENT__SAMPLEINTERVAL"] = "soon",
                ["PRESCIENT_AGENT__BUFFERDIRECTORY"] = _folder.Sub("buffer"),
            });
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("'Agent:SampleInterval'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_never_print_connection_strings()
    {
        var queue = new StorageQueueTransportOptions { ConnectionString = "AccountKey=" + SecretKey, QueueName = "q" };
        var hub = new EventHubsTransportOptions { ConnectionString = "SharedAccessKey=" + SecretKey, EventHubName = "h" };
        Assert.DoesNotContain(SecretKey, queue.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SecretKey, hub.ToString(), StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Help_explains_usage_and_exit_codes()
    {
        var output = new StringWriter();
        Assert.Equal(0, await AgentApplication.RunAsync(["--help"], new AgentRunContext { Out = output, IgnoreEnvironment = true }));
        Assert.Contains("78 configuration error", output.ToString(), StringComparison.Ordinal);
    }

    private string[] QueueArgs() =>
    [
        "--Agent:BufferDirectory", _folder.Sub("buffer"),
        "--Agent:Transport:Kind", "StorageQueue",
        "--Agent:Transport:StorageQueue:QueueName", "telemetry",
        "--Agent:Transport:StorageQueue:ServiceUri", "https://account.queue.core.windows.net",
    ];

    private static async Task<(int Code, string Stderr, string Stdout)> RunAsync(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await AgentApplication.RunAsync(args, new AgentRunContext
        {
            Out = stdout,
            Error = stderr,
            IgnoreEnvironment = true,
            Stopping = timeout.Token,
            ConfigureLogging = _ => { },
        });
        return (code, stderr.ToString(), stdout.ToString());
    }
}

public sealed class ShippedSettingsTests
{
    [LinuxFact]
    public void The_example_settings_shipped_beside_the_unit_file_are_valid()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "deploy", "appsettings.example.json");
        var configuration = new ConfigurationBuilder().AddJsonFile(path).Build();
        var options = new AgentOptions();
        AgentOptionsBinder.Bind(configuration, options);

        var result = new AgentOptionsValidator(new AgentRunMode(Once: false)).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(TransportKind.EventHubs, options.Transport.Kind);
        Assert.Equal(CredentialKind.ManagedIdentity, options.Transport.EventHubs.Credential);
    }

    [Fact]
    public void The_unit_file_does_not_restart_on_configuration_errors_and_waits_for_the_flush()
    {
        var unit = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", "prescient-agent.service"));
        Assert.Contains("RestartPreventExitStatus=78", unit, StringComparison.Ordinal);
        Assert.Contains("Restart=on-failure", unit, StringComparison.Ordinal);
        Assert.Contains("Type=notify", unit, StringComparison.Ordinal);
        Assert.Contains("StateDirectory=prescient-agent", unit, StringComparison.Ordinal);
    }
}
