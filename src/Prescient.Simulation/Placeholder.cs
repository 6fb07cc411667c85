namespace Prescient.Simulation; internal static class Placeholder { }
