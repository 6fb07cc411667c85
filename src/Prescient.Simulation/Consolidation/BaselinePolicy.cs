namespace Prescient.Simulation.Consolidation;

/// <summary>The CCPE-2012 baselines: an overload detector with MMT selection and PABFD placement (e.g. LR-MMT-1.2).</summary>
public sealed class BaselinePolicy(IOverloadDetector detector) : PowerAwarePolicy
{
    public override string Name => $"{detector.Kind}-MMT-{Format(detector.Parameter)}";

    public override string Settings => detector.Kind switch
    {
        "THR" => $"static threshold {Format(detector.Parameter)}; MMT; PABFD; underload rule",
        "LR" => $"least-squares line on the last 10 samples, one step ahead, x {Format(detector.Parameter)} >= 1; THR 0.7 before 10 samples; MMT; PABFD; underload rule",
        "LRR" => $"robust local regression (tricube + 2 bisquare passes) on the last 10 samples, one step ahead, x {Format(detector.Parameter)} >= 1; THR 0.7 before 10 samples; MMT; PABFD; underload rule",
        _ => $"threshold 1 - {Format(detector.Parameter)} x {detector.Kind} of the last 30 samples; THR 0.7 before 12 samples; MMT; PABFD; underload rule",
    };

    protected override bool IsOverloaded(int host, int extraVm)
    {
        var req = RequestedMips(host);
        if (extraVm >= 0)
        {
            req += Fleet.Demand[extraVm];
        }

        return detector.IsOverloaded(History(host, extraVm), req / Fleet.HostCapacity[host]);
    }

    public static IReadOnlyList<Func<IConsolidationPolicy>> Standard { get; } =
    [
        () => new BaselinePolicy(new ThresholdDetector(0.8)),
        () => new BaselinePolicy(new IqrDetector(1.5)),
        () => new BaselinePolicy(new MadDetector(2.5)),
        () => new BaselinePolicy(new LocalRegressionDetector(1.2, robust: false)),
        () => new BaselinePolicy(new LocalRegressionDetector(1.2, robust: true)),
    ];
}
