using System.Text;
using Azure.Data.Tables;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// Long text in table entities: a string property holds at most 32K UTF-16 characters, so longer text is spread over
/// <c>Name_0</c>, <c>Name_1</c>... (an entity holds up to 1 MiB in all).
/// </summary>
internal static class TableText
{
    public const int ChunkChars = 30_000;

    public static void Write(TableEntity entity, string name, string? text)
    {
        var index = 0;
        while (entity.ContainsKey(Key(name, index)))
        {
            entity.Remove(Key(name, index));
            index++;
        }

        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        for (int offset = 0, chunk = 0; offset < text.Length; offset += ChunkChars, chunk++)
        {
            entity[Key(name, chunk)] = text.Substring(offset, Math.Min(ChunkChars, text.Length - offset));
        }
    }

    public static string? Read(TableEntity entity, string name)
    {
        if (entity.GetString(Key(name, 0)) is not { } first)
        {
            return null;
        }

        if (entity.GetString(Key(name, 1)) is null)
        {
            return first;
        }

        var builder = new StringBuilder(first);
        for (var index = 1; entity.GetString(Key(name, index)) is { } next; index++)
        {
            builder.Append(next);
        }

        return builder.ToString();
    }

    private static string Key(string name, int index) => name + "_" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Long binary values in table entities: a binary property holds at most 64 KiB, so longer values are spread over
/// <c>Name_0</c>, <c>Name_1</c>... (an entity holds up to 1 MiB in all).
/// </summary>
internal static class TableBinary
{
    public const int ChunkBytes = 64_000;

    public static void Write(TableEntity entity, string name, byte[] bytes)
    {
        for (var index = 0; entity.Remove(Key(name, index)); index++)
        {
        }

        for (int offset = 0, chunk = 0; offset < bytes.Length; offset += ChunkBytes, chunk++)
        {
            entity[Key(name, chunk)] = offset == 0 && bytes.Length <= ChunkBytes ? bytes : bytes.AsSpan(offset, Math.Min(ChunkBytes, bytes.Length - offset)).ToArray();
        }
    }

    /// <summary>The value, or empty when the entity has none.</summary>
    public static byte[] Read(TableEntity entity, string name)
    {
        var first = entity.GetBinary(Key(name, 0));
        if (first is null)
        {
            return [];
        }

        if (entity.GetBinary(Key(name, 1)) is null)
        {
            return first;
        }

        var parts = new List<byte[]> { first };
        for (var index = 1; entity.GetBinary(Key(name, index)) is { } next; index++)
        {
            parts.Add(next);
        }

        var whole = new byte[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(whole, at);
            at += part.Length;
        }

        return whole;
    }

    /// <summary>The property names a projection must select to read <paramref name="name"/> of up to <paramref name="chunks"/> chunks.</summary>
    public static IEnumerable<string> Names(string name, int chunks) => Enumerable.Range(0, chunks).Select(i => Key(name, i));

    private static string Key(string name, int index) => name + "_" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Table key rules: no '/', '\', '#', '?' or control characters. Ids that may contain them are escaped.</summary>
internal static class TableKeys
{
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c))
            {
                builder.Append('%').Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// One of <paramref name="partitions"/> partition keys (<c>~p000</c>...) for <paramref name="key"/>, by FNV-1a: the
    /// same in every process, and never a host id (ids cannot contain '~').
    /// </summary>
    public static string PartitionOf(string key, int partitions)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return "~p" + ((int)(hash % (ulong)partitions)).ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A row key that sorts newest first.</summary>
    public static string NewestFirst(DateTimeOffset at) =>
        (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    public static DateTimeOffset FromNewestFirst(string key) =>
        new(DateTimeOffset.MaxValue.UtcTicks - long.Parse(key.AsSpan(0, 19), System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero);
}
