using System.Text.Json;
using Prescient.Pipeline.Migration;

namespace Prescient.Migration.Tests;

/// <summary>The wake flag travels in the orchestration input, and inputs written before it existed read as "no wake".</summary>
public sealed class MigrationRequestSerializationTests
{
    public static TheoryData<string> Options() => ["default", "web"];

    private static JsonSerializerOptions Of(string name) => name == "web" ? new JsonSerializerOptions(JsonSerializerDefaults.Web) : new JsonSerializerOptions();

    [Theory]
    [MemberData(nameof(Options))]
    public void The_wake_flag_survives_the_orchestration_input_round_trip(string options)
    {
        var input = new MigrationWorkflowInput(FleetRig.Request("m1", "h1", "h2", "vm1") with { WakeDestination = true }, FleetRig.FastPolicy());

        var read = JsonSerializer.Deserialize<MigrationWorkflowInput>(JsonSerializer.Serialize(input, Of(options)), Of(options))!;

        Assert.True(read.Request.WakeDestination);
        Assert.Equal(input.Policy.Timeouts.Wake, read.Policy.Timeouts.Wake);
    }

    [Theory]
    [MemberData(nameof(Options))]
    public void An_input_written_before_the_flag_existed_reads_as_no_wake(string options)
    {
        var input = new MigrationWorkflowInput(FleetRig.Request("m1", "h1", "h2", "vm1") with { WakeDestination = true }, new MigrationPolicy());
        var json = JsonSerializer.SerializeToNode(input, Of(options))!;
        var request = json[options == "web" ? "request" : "Request"]!.AsObject();
        Assert.True(request.Remove(options == "web" ? "wakeDestination" : "WakeDestination"));
        var timeouts = json[options == "web" ? "policy" : "Policy"]![options == "web" ? "timeouts" : "Timeouts"]!.AsObject();
        Assert.True(timeouts.Remove(options == "web" ? "wake" : "Wake"));

        var read = json.Deserialize<MigrationWorkflowInput>(Of(options))!;

        Assert.False(read.Request.WakeDestination);
        Assert.Equal(new StepTimeouts().Wake, read.Policy.Timeouts.Wake);
    }
}
