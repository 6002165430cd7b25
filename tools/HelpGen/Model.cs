namespace EncryptionTools.HelpGen;

/// <summary>One cmdlet page, as parsed from platyPS markdown (schema 2.0.0).</summary>
public sealed class CommandHelp
{
    public required string Name { get; init; }
    /// <summary>Path of the markdown page the command came from (for messages).</summary>
    public required string SourcePath { get; init; }
    public required string ExternalHelpFile { get; init; }
    public string? ModuleName { get; init; }
    public string? OnlineVersion { get; init; }
    /// <summary>Paragraphs separated by a blank line ("\n\n").</summary>
    public required string Synopsis { get; init; }
    public required string Description { get; init; }
    public required IReadOnlyList<SyntaxSet> Syntax { get; init; }
    public required IReadOnlyList<ParameterHelp> Parameters { get; init; }
    public bool SupportsCommonParameters { get; init; }
    public required IReadOnlyList<ExampleHelp> Examples { get; init; }
    public required IReadOnlyList<TypeHelp> Inputs { get; init; }
    public required IReadOnlyList<TypeHelp> Outputs { get; init; }
    public required string Notes { get; init; }
    public required IReadOnlyList<LinkHelp> Links { get; init; }

    public string Verb => Name.Split('-')[0];
    public string Noun => Name.Length > Verb.Length ? Name[(Verb.Length + 1)..] : "";

    public ParameterHelp? FindParameter(string name) =>
        Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// One parameter set. <see cref="Name"/> is null for the single unnamed set platyPS writes
/// when a cmdlet has only one. <see cref="ParameterNames"/> is in MAML order (by position, then page order).
/// </summary>
public sealed record SyntaxSet(string? Name, bool IsDefault, string Code, IReadOnlyList<string> ParameterNames);

/// <summary>
/// One ```yaml block under a parameter. platyPS allows several when metadata differs per parameter set;
/// the first one is what the PARAMETERS section of the MAML shows.
/// </summary>
public sealed record ParameterMetadata(
    string Type,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> AcceptedValues,
    bool Required,
    string Position,
    string? DefaultValue,
    string AcceptPipelineInput,
    bool AcceptWildcardCharacters)
{
    public const string AllParameterSets = "(All)";

    public bool AppliesTo(string? setName) =>
        setName is null
        || ParameterSets.Any(s => s == AllParameterSets || string.Equals(s, setName, StringComparison.OrdinalIgnoreCase));
}

public sealed class ParameterHelp
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required IReadOnlyList<ParameterMetadata> Metadata { get; init; }

    private ParameterMetadata First => Metadata[0];
    public string Type => First.Type;
    /// <summary>Union of the sets of every yaml block, in page order.</summary>
    public IReadOnlyList<string> ParameterSets =>
        Metadata.SelectMany(m => m.ParameterSets).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    public IReadOnlyList<string> Aliases => First.Aliases;
    public IReadOnlyList<string> AcceptedValues => First.AcceptedValues;
    public bool Required => First.Required;
    public string Position => First.Position;
    public string? DefaultValue => First.DefaultValue;
    public string AcceptPipelineInput => First.AcceptPipelineInput;
    public bool AcceptWildcardCharacters => First.AcceptWildcardCharacters;

    public bool IsSwitch =>
        Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase)
        || Type.Equals("switch", StringComparison.OrdinalIgnoreCase)
        || Type.Equals("System.Management.Automation.SwitchParameter", StringComparison.OrdinalIgnoreCase);

    /// <summary>The metadata that applies in a given set (null set = the single unnamed set).</summary>
    public ParameterMetadata? ForSet(string? setName) => Metadata.FirstOrDefault(m => m.AppliesTo(setName));
}

/// <summary>Code blocks are joined with a blank line; Remarks holds every paragraph of the example, in order.</summary>
public sealed record ExampleHelp(string Title, string Code, string Remarks);

public sealed record TypeHelp(string TypeName, string Description);

/// <summary>Uri is "" when the markdown link target is not an absolute URI (e.g. a relative .md link).</summary>
public sealed record LinkHelp(string Text, string Uri);
