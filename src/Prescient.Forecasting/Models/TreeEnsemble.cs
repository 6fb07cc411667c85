using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace Prescient.Forecasting.Models;

/// <summary>
/// A trained FastTree regression ensemble as flat arrays: bias plus the weighted leaf value each tree reaches, a node
/// going left when its feature is at most the split threshold (FastTree's rule). Immutable, thread-safe.
/// </summary>
internal sealed class TreeEnsemble
{
    private readonly double _bias;
    private readonly Tree[] _trees;

    private TreeEnsemble(double bias, Tree[] trees)
    {
        _bias = bias;
        _trees = trees;
    }

    private sealed record Tree(double Weight, int[] Left, int[] Right, int[] Feature, float[] Threshold, double[] Leaves);

    /// <summary>The ensemble inside a fitted (or loaded) pipeline whose last step is FastTree regression.</summary>
    /// <exception cref="FormatException">The pipeline does not end with a FastTree regression model.</exception>
    public static TreeEnsemble Of(ITransformer model)
    {
        var last = model is IEnumerable<ITransformer> chain ? chain.LastOrDefault() : model;
        var parameters = (last as IPredictionTransformer<FastTreeRegressionModelParameters>)?.Model
                         ?? throw new FormatException("The model does not end with a FastTree regression.");
        var ensemble = parameters.TrainedTreeEnsemble;
        var trees = new Tree[ensemble.Trees.Count];
        for (var i = 0; i < trees.Length; i++)
        {
            var t = ensemble.Trees[i];
            if (t.CategoricalSplitFlags.Any(c => c))
            {
                throw new FormatException("Categorical splits are not supported.");
            }

            trees[i] = new Tree(ensemble.TreeWeights[i], [.. t.LeftChild], [.. t.RightChild], [.. t.NumericalSplitFeatureIndexes], [.. t.NumericalSplitThresholds], [.. t.LeafValues]);
        }

        return new TreeEnsemble(ensemble.Bias, trees);
    }

    /// <summary>The ensemble's output for the features <paramref name="x"/>.</summary>
    public float Score(ReadOnlySpan<float> x)
    {
        var sum = _bias;
        foreach (var tree in _trees)
        {
            var node = 0;
            if (tree.Leaves.Length > 1)
            {
                while (node >= 0)
                {
                    node = x[tree.Feature[node]] <= tree.Threshold[node] ? tree.Left[node] : tree.Right[node];
                }
            }
            else
            {
                node = -1;
            }

            sum += tree.Weight * tree.Leaves[~node];
        }

        return (float)sum;
    }
}
