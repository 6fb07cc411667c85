namespace Prescient.Core.Network;

/// <summary>The optimiser used by back-propagation.</summary>
public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent.</summary>
    Sgd,

    /// <summary>Adam (adaptive moment estimation).</summary>
    Adam,
}
