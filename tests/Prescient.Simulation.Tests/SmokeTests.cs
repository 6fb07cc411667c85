namespace Prescient.Simulation.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_loads() => Assert.NotNull(typeof(SmokeTests).Assembly);
}
