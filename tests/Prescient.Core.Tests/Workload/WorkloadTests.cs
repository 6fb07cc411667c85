using Prescient.Core.Workload;

namespace Prescient.Core.Tests.Workload;

public class WorkloadTests
{
    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+infinity")]
    [InlineData(double.NegativeInfinity, "-infinity")]
    [InlineData(-0.01, "between 0 and 1")]
    [InlineData(1.5, "between 0 and 1")]
    [InlineData(85.0, "not a percentage")]
    public void Invalid_utilisations_are_rejected_with_a_clear_message(double value, string expected)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Utilisation.Validate(value, "cpu"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("cpu", error.ParamName);
        Assert.False(Utilisation.IsValid(value));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.42)]
    [InlineData(1.0)]
    public void Valid_utilisations_pass(double value)
    {
        Assert.Equal(value, Utilisation.Validate(value, "cpu"));
        Assert.Null(Utilisation.Check(value, "cpu"));
    }

    [Fact]
    public void Default_measure_is_cpu()
    {
        Assert.Equal(0.3, WorkloadMeasure.Cpu.Combine(0.3, 0.9, 0.1));
        Assert.Equal(0.9, WorkloadMeasure.Memory.Combine(0.3, 0.9, 0.1));
        Assert.Equal(0.1, WorkloadMeasure.Io.Combine(0.3, 0.9, 0.1));
    }

    [Fact]
    public void Weighted_mix_is_normalised()
    {
        var measure = new WorkloadMeasure(2, 1, 1);
        Assert.Equal((0.6 + 0.3 + 0.1) / 4, measure.Combine(0.3, 0.3, 0.1), 12);
        Assert.Equal(1, measure.Combine(1, 1, 1), 12);
    }

    [Theory]
    [InlineData(-1, 0, 0)]
    [InlineData(0, 0, 0)]
    [InlineData(double.NaN, 1, 0)]
    [InlineData(1, double.PositiveInfinity, 0)]
    public void Invalid_weights_are_rejected(double cpu, double mem, double io) =>
        Assert.Throws<ArgumentException>(() => new WorkloadMeasure(cpu, mem, io));

    [Fact]
    public void Combine_rejects_invalid_inputs() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkloadMeasure.Cpu.Combine(0.5, double.NaN, 0));
}
