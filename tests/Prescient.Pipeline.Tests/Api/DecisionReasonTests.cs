using Prescient.Pipeline.Api.Decisions;

namespace Prescient.Pipeline.Tests.Api;

public sealed class DecisionReasonTests
{
    [Fact]
    public void A_summary_that_starts_with_the_reason_shows_it_once()
    {
        var text = StoreDecisionLog.Reason("Measured 0.86 above high 0.80: offload.", "Measured 0.86 above high 0.80: offload. vm-3 -> host-07: started");

        Assert.Equal("Measured 0.86 above high 0.80: offload. vm-3 -> host-07: started", text);
    }

    [Fact]
    public void A_summary_without_the_reason_gets_it_in_front()
    {
        Assert.Equal("Within range. vm-3 -> host-07: started", StoreDecisionLog.Reason("Within range.", "vm-3 -> host-07: started"));
        Assert.Equal("Not evaluated: sleeping", StoreDecisionLog.Reason(null, "Not evaluated: sleeping"));
    }
}
