namespace Prescient.Hypervisor.Tests;

/// <summary>The real-QEMU tests share one Azurite and run one after another (TCG guests are CPU-heavy).</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite and real QEMU";
}
