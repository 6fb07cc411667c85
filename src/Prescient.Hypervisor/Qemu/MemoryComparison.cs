using System.IO.Hashing;

namespace Prescient.Hypervisor.Qemu;

/// <summary>Guest memory compared page by page through 8-byte hashes (XxHash64) of each 4 KiB page of a memory dump.</summary>
public static class MemoryComparison
{
    public const int PageSize = 4096;

    public static async Task<byte[]> HashPagesAsync(string dumpFile, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(dumpFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        var pages = (int)((stream.Length + PageSize - 1) / PageSize);
        var hashes = new byte[pages * 8];
        var page = new byte[PageSize];
        for (var i = 0; i < pages; i++)
        {
            Array.Clear(page);
            await stream.ReadAtLeastAsync(page, PageSize, throwOnEndOfStream: false, cancellationToken);
            XxHash64.Hash(page, hashes.AsSpan(i * 8, 8));
        }

        return hashes;
    }

    /// <summary>How many pages differ, of how many compared (a size difference counts as differing pages).</summary>
    public static (int Differing, int Compared) Compare(byte[] left, byte[] right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var pages = Math.Max(left.Length, right.Length) / 8;
        var common = Math.Min(left.Length, right.Length) / 8;
        var differing = pages - common;
        for (var i = 0; i < common; i++)
        {
            if (!left.AsSpan(i * 8, 8).SequenceEqual(right.AsSpan(i * 8, 8)))
            {
                differing++;
            }
        }

        return (differing, pages);
    }
}
