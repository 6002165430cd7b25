namespace EncryptionTools.Engine;

/// <summary>
/// One stable error id: its family, its category (PowerShell's ErrorCategory of the same name), the enctools exit
/// code, and what it means. The module's FullyQualifiedErrorId starts with <see cref="Id"/> and the CLI prints it.
/// </summary>
public sealed record ErrorDefinition(string Family, string Id, EngineErrorCategory Category, int ExitCode, string Meaning)
{
    public override string ToString() => Id;
}
