namespace Prescient.Simulation.Consolidation;

/// <summary>The statistics the detectors use, written to be checked by hand.</summary>
public static class Statistics
{
    public static double Median(ReadOnlySpan<double> data)
    {
        if (data.Length == 0)
        {
            return 0;
        }

        Span<double> s = data.Length <= 64 ? stackalloc double[data.Length] : new double[data.Length];
        data.CopyTo(s);
        s.Sort();
        var n = s.Length;
        return n % 2 == 1 ? s[n / 2] : (s[(n / 2) - 1] + s[n / 2]) / 2;
    }

    /// <summary>Median of absolute deviations from the median.</summary>
    public static double Mad(ReadOnlySpan<double> data)
    {
        if (data.Length == 0)
        {
            return 0;
        }

        var median = Median(data);
        Span<double> dev = data.Length <= 64 ? stackalloc double[data.Length] : new double[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            dev[i] = Math.Abs(median - data[i]);
        }

        return Median(dev);
    }

    /// <summary>Q3 - Q1 with the quartile positions CloudSim uses: round(0.25 (n + 1)) and round(0.75 (n + 1)), 1-based.</summary>
    public static double Iqr(ReadOnlySpan<double> data)
    {
        Span<double> s = data.Length <= 64 ? stackalloc double[data.Length] : new double[data.Length];
        data.CopyTo(s);
        s.Sort();
        var q1 = (int)Math.Floor((0.25 * (s.Length + 1)) + 0.5) - 1;
        var q3 = (int)Math.Floor((0.75 * (s.Length + 1)) + 0.5) - 1;
        q1 = Math.Clamp(q1, 0, s.Length - 1);
        q3 = Math.Clamp(q3, 0, s.Length - 1);
        return s[q3] - s[q1];
    }

    /// <summary>Ordinary least squares on x = 1..n; the value at x = n + <paramref name="ahead"/>.</summary>
    public static double LinearForecast(ReadOnlySpan<double> y, int ahead)
    {
        Span<double> w = stackalloc double[y.Length];
        w.Fill(1);
        return WeightedLinearForecast(y, w, ahead);
    }

    /// <summary>Weighted least squares on x = 1..n; the value at x = n + <paramref name="ahead"/>. Falls back to the
    /// weighted mean when fewer than two points carry weight.</summary>
    public static double WeightedLinearForecast(ReadOnlySpan<double> y, ReadOnlySpan<double> w, int ahead)
    {
        double sw = 0, sx = 0, sy = 0;
        var points = 0;
        for (var i = 0; i < y.Length; i++)
        {
            if (w[i] <= 0)
            {
                continue;
            }

            points++;
            sw += w[i];
            sx += w[i] * (i + 1);
            sy += w[i] * y[i];
        }

        if (sw <= 0)
        {
            return y[^1];
        }

        var mx = sx / sw;
        var my = sy / sw;
        double sxx = 0, sxy = 0;
        for (var i = 0; i < y.Length; i++)
        {
            var dx = i + 1 - mx;
            sxx += w[i] * dx * dx;
            sxy += w[i] * dx * (y[i] - my);
        }

        if (points < 2 || sxx <= 1e-15)
        {
            return my;
        }

        var slope = sxy / sxx;
        return my + (slope * (y.Length + ahead - mx));
    }

    /// <summary>
    /// Robust local linear regression (Cleveland 1979): tricube weights by distance from the latest point over the
    /// whole window (the farthest point gets weight 0), then two passes of bisquare weights on residuals scaled by
    /// 6 x the median absolute residual; returns the fit extrapolated <paramref name="ahead"/> steps.
    /// </summary>
    public static double RobustLocalRegressionForecast(ReadOnlySpan<double> y, int ahead)
    {
        var n = y.Length;
        Span<double> tricube = stackalloc double[n];
        Span<double> w = stackalloc double[n];
        Span<double> absResiduals = stackalloc double[n];
        var spread = Math.Max(1, n - 1);
        for (var i = 0; i < n; i++)
        {
            var d = (double)(n - 1 - i) / spread;
            var t = 1 - (d * d * d);
            tricube[i] = t <= 0 ? 0 : t * t * t;
        }

        tricube.CopyTo(w);
        for (var pass = 0; pass < 2; pass++)
        {
            FitLine(y, w, out var intercept, out var slope);
            for (var i = 0; i < n; i++)
            {
                absResiduals[i] = Math.Abs(y[i] - (intercept + (slope * (i + 1))));
            }

            var s = Median(absResiduals);
            for (var i = 0; i < n; i++)
            {
                double b;
                if (s <= 1e-12)
                {
                    b = absResiduals[i] <= 1e-12 ? 1 : 0;
                }
                else
                {
                    var u = absResiduals[i] / (6 * s);
                    b = u >= 1 ? 0 : (1 - (u * u)) * (1 - (u * u));
                }

                w[i] = tricube[i] * b;
            }
        }

        return WeightedLinearForecast(y, w, ahead);
    }

    private static void FitLine(ReadOnlySpan<double> y, ReadOnlySpan<double> w, out double intercept, out double slope)
    {
        var at1 = WeightedLinearForecast(y, w, 1 - y.Length);
        var at2 = WeightedLinearForecast(y, w, 2 - y.Length);
        slope = at2 - at1;
        intercept = at1 - slope;
    }
}
