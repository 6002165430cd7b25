namespace EncryptionTools.Engine.Format;

/// <summary>Orders byte arrays as unsigned big-endian strings (the ESDK's sort order for context keys).</summary>
internal sealed class ByteArrayComparer : IComparer<byte[]>
{
    public static readonly ByteArrayComparer Instance = new();
    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
