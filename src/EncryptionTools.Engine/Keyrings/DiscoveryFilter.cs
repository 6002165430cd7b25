namespace EncryptionTools.Engine.Keyrings;

/// <summary>The ESDK's discovery filter: only keys of this partition ("aws") and these account ids.</summary>
public sealed record DiscoveryFilter(string Partition, IReadOnlyList<string> AccountIds);
