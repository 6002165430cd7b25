using System.Globalization;
using System.Text.RegularExpressions;

namespace EncryptionTools.HelpGen;

/// <summary>
/// Parses a cmdlet page in the layout platyPS 0.14 New-MarkdownHelp writes (schema 2.0.0) and checks it
/// strictly: a page that would give broken Get-Help output fails with a <see cref="HelpFormatException"/>.
/// </summary>
public static class MarkdownHelpParser
{
    public static readonly IReadOnlyList<string> KnownSections =
        ["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"];

    private static readonly string[] RequiredSections = ["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS"];

    private static readonly string[] YamlKeys =
    [
        "Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position",
        "Default value", "Accept pipeline input", "Accept wildcard characters", "Applicable",
    ];

    // New-MarkdownHelp's fill-me-in text, e.g. "{{ Fill in the Synopsis }}"; shipping it is always a mistake.
    private static readonly Regex PlaceholderRx = new(@"\{\{\s*(?:Fill|Add|Insert|Update|Enter)\b[^}]*\}\}", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex SyntaxParamRx = new(@"(?<=[\s\[])-([A-Za-z_][\w]*)", RegexOptions.CultureInvariant);
    private static readonly Regex LinkLineRx = new(@"^(?:[-*+]\s+)?\[([^\]]*)\]\(([^)]*)\)$", RegexOptions.CultureInvariant);

    public static CommandHelp ParseCommandPage(string path) => Parse(MarkdownBlocks.ReadText(path), path);

    /// <summary>Parses page text; <paramref name="path"/> is used for messages and the file-name check.</summary>
    public static CommandHelp Parse(string markdown, string path)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var front = ReadFrontMatter(lines, path, out int bodyStart)
            ?? throw new HelpFormatException(path, 1,
                "missing YAML front matter: a cmdlet page must start with a '---' block holding 'external help file', 'Module Name', 'online version' and 'schema: 2.0.0'");

        if (!front.TryGetValue("external help file", out var helpFile) || helpFile.Length == 0)
            throw new HelpFormatException(path, 1, "front matter has no 'external help file' value (e.g. 'external help file: EncryptionTools.dll-Help.xml')");
        if (helpFile.IndexOfAny(['/', '\\']) >= 0 || !helpFile.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
            throw new HelpFormatException(path, 1, $"'external help file: {helpFile}' must be a plain .xml file name (e.g. EncryptionTools.dll-Help.xml)");
        if (!front.TryGetValue("schema", out var schema) || schema.Length == 0)
            throw new HelpFormatException(path, 1, "front matter has no 'schema: 2.0.0'");
        if (schema != "2.0.0")
            throw new HelpFormatException(path, 1, $"unsupported schema '{schema}': only platyPS schema 2.0.0 is supported");

        for (int i = 0; i < lines.Length; i++)
        {
            var m = PlaceholderRx.Match(lines[i]);
            if (m.Success)
                throw new HelpFormatException(path, i + 1, $"platyPS placeholder '{m.Value}' was never filled in");
        }

        var blocks = MarkdownBlocks.Parse(lines[bodyStart..], bodyStart + 1, path);
        if (blocks.Count == 0 || blocks[0].Kind != BlockKind.Heading || blocks[0].Level != 1)
            throw new HelpFormatException(path, blocks.Count > 0 ? blocks[0].Line : bodyStart + 1,
                "expected the '# Cmdlet-Name' heading right after the front matter");

        string name = blocks[0].Text;
        int nameLine = blocks[0].Line;
        if (!Regex.IsMatch(name, @"^[A-Za-z]+-[A-Za-z0-9_]+$"))
            throw new HelpFormatException(path, nameLine, $"'# {name}' is not a Verb-Noun cmdlet name");
        string fileStem = Path.GetFileNameWithoutExtension(path);
        if (!string.Equals(fileStem, name, StringComparison.OrdinalIgnoreCase))
            throw new HelpFormatException(path, nameLine, $"heading '# {name}' does not match the file name '{Path.GetFileName(path)}'");

        var sections = SplitSections(blocks, path, name);
        foreach (var required in RequiredSections)
            if (!sections.ContainsKey(required))
                throw new HelpFormatException(path, 0, $"missing '## {required}' section");

        string synopsis = SimpleText(sections["SYNOPSIS"], path);
        if (synopsis.Length == 0)
            throw new HelpFormatException(path, sections["SYNOPSIS"].Line, "'## SYNOPSIS' is empty");
        string description = SimpleText(sections["DESCRIPTION"], path);
        if (description.Length == 0)
            throw new HelpFormatException(path, sections["DESCRIPTION"].Line, "'## DESCRIPTION' is empty");

        var syntaxCode = ParseSyntax(sections["SYNTAX"], path);
        var examples = ParseExamples(sections["EXAMPLES"], path);
        var (parameters, common) = ParseParameters(sections["PARAMETERS"], path);
        var syntax = BuildSyntax(syntaxCode, parameters, sections["SYNTAX"], path);

        return new CommandHelp
        {
            Name = name,
            SourcePath = path,
            ExternalHelpFile = helpFile,
            ModuleName = front.GetValueOrDefault("Module Name") is { Length: > 0 } mod ? mod : null,
            OnlineVersion = front.GetValueOrDefault("online version") is { Length: > 0 } ov ? ov : null,
            Synopsis = synopsis,
            Description = description,
            Syntax = syntax,
            Parameters = parameters,
            SupportsCommonParameters = common,
            Examples = examples,
            Inputs = sections.TryGetValue("INPUTS", out var ins) ? ParseTypes(ins, path) : [],
            Outputs = sections.TryGetValue("OUTPUTS", out var outs) ? ParseTypes(outs, path) : [],
            Notes = sections.TryGetValue("NOTES", out var notes) ? SimpleText(notes, path) : "",
            Links = sections.TryGetValue("RELATED LINKS", out var links) ? ParseLinks(links, path) : [],
        };
    }

    /// <summary>
    /// Reads the '---' front matter as flat key/value pairs (case-insensitive keys).
    /// Returns null when the text has none; <paramref name="bodyStart"/> is the 0-based line after it.
    /// </summary>
    public static Dictionary<string, string>? ReadFrontMatter(IReadOnlyList<string> lines, string path, out int bodyStart)
    {
        bodyStart = 0;
        if (lines.Count == 0 || lines[0].TrimEnd() != "---") return null;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < lines.Count; i++)
        {
            string line = lines[i];
            if (line.TrimEnd() == "---")
            {
                bodyStart = i + 1;
                return result;
            }
            // Nested values (the module page's 'Help Version' etc.) start with whitespace or '?'; not needed here.
            int colon = line.IndexOf(':');
            if (colon <= 0 || char.IsWhiteSpace(line[0]) || line[0] == '?') continue;
            string key = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0]) value = value[1..^1];
            result.TryAdd(key, value);
        }
        throw new HelpFormatException(path, 1, "front matter is never closed: add a '---' line after it");
    }

    private sealed record Section(string Name, int Line, List<Block> Blocks);

    private static Dictionary<string, Section> SplitSections(List<Block> blocks, string path, string name)
    {
        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        Section? current = null;
        for (int i = 1; i < blocks.Count; i++)
        {
            var b = blocks[i];
            if (b.Kind == BlockKind.Heading && b.Level == 1)
                throw new HelpFormatException(path, b.Line, $"second '# {b.Text}' heading: a page documents exactly one cmdlet ('{name}')");
            if (b.Kind == BlockKind.Heading && b.Level == 2)
            {
                string key = b.Text.ToUpperInvariant();
                if (!KnownSections.Contains(key))
                    throw new HelpFormatException(path, b.Line, $"unknown section '## {b.Text}' (platyPS schema 2.0.0 allows: {string.Join(", ", KnownSections)})");
                if (sections.ContainsKey(key))
                    throw new HelpFormatException(path, b.Line, $"section '## {key}' appears twice");
                current = new Section(key, b.Line, []);
                sections.Add(key, current);
                continue;
            }
            if (current is null)
                throw new HelpFormatException(path, b.Line, $"unexpected content between '# {name}' and the first '## ' section");
            current.Blocks.Add(b);
        }
        return sections;
    }

    private static string SimpleText(Section s, string path)
    {
        var heading = s.Blocks.FirstOrDefault(b => b.Kind == BlockKind.Heading);
        if (heading is not null)
            throw new HelpFormatException(path, heading.Line, $"'## {s.Name}' cannot contain sub-headings (found '{new string('#', heading.Level)} {heading.Text}')");
        return MarkdownText.Render(s.Blocks);
    }

    private sealed record RawSyntax(string? Name, bool IsDefault, string Code, int Line);

    private static List<RawSyntax> ParseSyntax(Section s, string path)
    {
        var result = new List<RawSyntax>();
        var blocks = s.Blocks;
        if (blocks.Count == 0)
            throw new HelpFormatException(path, s.Line, "'## SYNTAX' has no ``` code block");

        if (blocks[0].Kind == BlockKind.Code)
        {
            // Single parameter set: platyPS writes the code block without a '### Set' heading.
            if (blocks.Count > 1)
                throw new HelpFormatException(path, blocks[1].Line, "'## SYNTAX' with more than one code block needs a '### SetName' heading before each");
            return [new RawSyntax(null, true, blocks[0].Text, blocks[0].Line)];
        }

        for (int i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            if (b.Kind != BlockKind.Heading || b.Level != 3)
                throw new HelpFormatException(path, b.Line, "'## SYNTAX' may only hold '### SetName' headings, each followed by one ``` code block");
            if (i + 1 >= blocks.Count || blocks[i + 1].Kind != BlockKind.Code)
                throw new HelpFormatException(path, b.Line, $"syntax set '### {b.Text}' has no ``` code block");
            string setName = b.Text;
            bool isDefault = false;
            if (setName.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase))
            {
                isDefault = true;
                setName = setName[..^"(Default)".Length].TrimEnd();
            }
            if (result.Any(r => string.Equals(r.Name, setName, StringComparison.OrdinalIgnoreCase)))
                throw new HelpFormatException(path, b.Line, $"syntax set '{setName}' appears twice");
            result.Add(new RawSyntax(setName, isDefault, blocks[i + 1].Text, blocks[i + 1].Line));
            i++;
        }
        if (result.Count(r => r.IsDefault) > 1)
            throw new HelpFormatException(path, s.Line, "more than one syntax set is marked '(Default)'");
        return result;
    }

    private static List<ExampleHelp> ParseExamples(Section s, string path)
    {
        var result = new List<ExampleHelp>();
        int i = 0;
        var blocks = s.Blocks;
        if (blocks.Count > 0 && blocks[0].Kind != BlockKind.Heading)
            throw new HelpFormatException(path, blocks[0].Line, "text in '## EXAMPLES' must follow a '### Example 1: Title' heading");
        while (i < blocks.Count)
        {
            var h = blocks[i];
            if (h.Level != 3)
                throw new HelpFormatException(path, h.Line, $"'## EXAMPLES' expects '### Example N: Title' headings, found '{new string('#', h.Level)} {h.Text}'");
            if (h.Text.Length == 0)
                throw new HelpFormatException(path, h.Line, "example heading has no title");
            int j = i + 1;
            while (j < blocks.Count && blocks[j].Kind != BlockKind.Heading) j++;
            var body = blocks.GetRange(i + 1, j - i - 1);
            var code = body.Where(b => b.Kind == BlockKind.Code).Select(b => b.Text.TrimEnd('\n')).ToList();
            if (code.Count == 0)
                throw new HelpFormatException(path, h.Line, $"example '{h.Text}' has no ``` code block");
            string remarks = MarkdownText.Render(body.Where(b => b.Kind == BlockKind.Paragraph));
            result.Add(new ExampleHelp(h.Text, string.Join("\n\n", code), remarks));
            i = j;
        }
        if (result.Count == 0)
            throw new HelpFormatException(path, s.Line, "'## EXAMPLES' has no example: add at least one '### Example 1: Title' with a ``` code block");
        return result;
    }

    private static (List<ParameterHelp>, bool) ParseParameters(Section s, string path)
    {
        var result = new List<ParameterHelp>();
        bool common = false;
        var blocks = s.Blocks;
        if (blocks.Count > 0 && blocks[0].Kind != BlockKind.Heading)
            throw new HelpFormatException(path, blocks[0].Line, "text in '## PARAMETERS' must follow a '### -Name' heading");
        int i = 0;
        while (i < blocks.Count)
        {
            var h = blocks[i];
            if (h.Level != 3)
                throw new HelpFormatException(path, h.Line, $"'## PARAMETERS' expects '### -Name' headings, found '{new string('#', h.Level)} {h.Text}'");
            int j = i + 1;
            while (j < blocks.Count && blocks[j].Kind != BlockKind.Heading) j++;
            var body = blocks.GetRange(i + 1, j - i - 1);
            i = j;

            string name = h.Text.TrimStart('-').Trim();
            if (name.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase)
                || name.Equals("WorkflowParameters", StringComparison.OrdinalIgnoreCase))
            {
                // Its text is the stock about_CommonParameters blurb; Get-Help adds that itself.
                common = true;
                continue;
            }
            if (!Regex.IsMatch(name, @"^[A-Za-z_][\w]*$"))
                throw new HelpFormatException(path, h.Line, $"'### {h.Text}' is not a parameter heading (expected '### -Name')");
            if (result.Any(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                throw new HelpFormatException(path, h.Line, $"parameter -{name} is documented twice");

            int firstYaml = body.FindIndex(IsYaml);
            if (firstYaml < 0)
                throw new HelpFormatException(path, h.Line,
                    $"parameter -{name} has no ```yaml metadata block (Type, Parameter Sets, Aliases, Required, Position, Default value, Accept pipeline input, Accept wildcard characters)");
            var metadata = new List<ParameterMetadata>();
            for (int k = firstYaml; k < body.Count; k++)
            {
                if (!IsYaml(body[k]))
                    throw new HelpFormatException(path, body[k].Line, $"unexpected content after the ```yaml block of parameter -{name}");
                metadata.Add(ParseYaml(body[k], name, path));
            }
            string description = MarkdownText.Render(body.Take(firstYaml));
            if (description.Length == 0)
                throw new HelpFormatException(path, h.Line, $"parameter -{name} has no description");
            result.Add(new ParameterHelp { Name = name, Description = description, Metadata = metadata });
        }
        return (result, common);
    }

    private static bool IsYaml(Block b) => b.Kind == BlockKind.Code && b.Info.Equals("yaml", StringComparison.OrdinalIgnoreCase);

    private static ParameterMetadata ParseYaml(Block block, string param, string path)
    {
        var pairs = new Dictionary<string, (string Value, int Line)>(StringComparer.OrdinalIgnoreCase);
        for (int n = 0; n < block.Lines.Count; n++)
        {
            string line = block.Lines[n];
            int lineNo = block.Line + 1 + n;
            if (string.IsNullOrWhiteSpace(line)) continue;
            int colon = line.IndexOf(':');
            if (colon <= 0)
                throw new HelpFormatException(path, lineNo, $"yaml block of parameter -{param}: expected 'Key: value', found '{line.Trim()}'");
            string key = line[..colon].Trim();
            string? known = YamlKeys.FirstOrDefault(k => k.Equals(key, StringComparison.OrdinalIgnoreCase));
            if (known is null)
                throw new HelpFormatException(path, lineNo, $"yaml block of parameter -{param}: unknown key '{key}' (allowed: {string.Join(", ", YamlKeys)})");
            if (!pairs.TryAdd(known, (line[(colon + 1)..].Trim(), lineNo)))
                throw new HelpFormatException(path, lineNo, $"yaml block of parameter -{param}: key '{known}' appears twice");
        }

        string Get(string key) => pairs.TryGetValue(key, out var v) ? v.Value : "";
        int LineOf(string key) => pairs.TryGetValue(key, out var v) ? v.Line : block.Line;

        bool Bool(string key)
        {
            string v = Get(key);
            if (v.Length == 0) return false;
            if (v.Equals("True", StringComparison.OrdinalIgnoreCase)) return true;
            if (v.Equals("False", StringComparison.OrdinalIgnoreCase)) return false;
            throw new HelpFormatException(path, LineOf(key), $"yaml block of parameter -{param}: '{key}' must be True or False, not '{v}'");
        }

        string type = Get("Type");
        if (type.Length == 0)
            throw new HelpFormatException(path, block.Line, $"yaml block of parameter -{param} has no 'Type'");

        string position = Get("Position");
        if (position.Length == 0 || position.Equals("Named", StringComparison.OrdinalIgnoreCase)) position = "Named";
        else if (!int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            throw new HelpFormatException(path, LineOf("Position"), $"yaml block of parameter -{param}: 'Position' must be Named or a number, not '{position}'");

        string pipeline = Get("Accept pipeline input");
        if (pipeline.Length == 0) pipeline = "False";
        else if (!Regex.IsMatch(pipeline, @"^(True|False)\b", RegexOptions.IgnoreCase))
            throw new HelpFormatException(path, LineOf("Accept pipeline input"), $"yaml block of parameter -{param}: 'Accept pipeline input' must start with True or False, not '{pipeline}'");

        var sets = SplitList(Get("Parameter Sets"));
        string defaultValue = Get("Default value");

        return new ParameterMetadata(
            Type: type,
            ParameterSets: sets.Count == 0 ? [ParameterMetadata.AllParameterSets] : sets,
            Aliases: SplitList(Get("Aliases")),
            AcceptedValues: SplitList(Get("Accepted values")),
            Required: Bool("Required"),
            Position: position,
            DefaultValue: defaultValue.Length == 0 || defaultValue.Equals("None", StringComparison.OrdinalIgnoreCase) ? null : defaultValue,
            AcceptPipelineInput: pipeline,
            AcceptWildcardCharacters: Bool("Accept wildcard characters"));
    }

    private static List<string> SplitList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(v => !v.Equals("None", StringComparison.OrdinalIgnoreCase))
            .ToList();

    private static List<SyntaxSet> BuildSyntax(List<RawSyntax> raw, List<ParameterHelp> parameters, Section section, string path)
    {
        // Every -Name the syntax lines mention must be documented, or Get-Help shows an undocumented parameter.
        foreach (var r in raw)
            foreach (Match m in SyntaxParamRx.Matches(r.Code))
                if (parameters.All(p => !p.Name.Equals(m.Groups[1].Value, StringComparison.OrdinalIgnoreCase)))
                    throw new HelpFormatException(path, r.Line,
                        $"'## SYNTAX'{(r.Name is null ? "" : $" set '{r.Name}'")} mentions -{m.Groups[1].Value}, but '## PARAMETERS' has no '### -{m.Groups[1].Value}'");

        bool named = raw[0].Name is not null;
        if (named)
        {
            foreach (var p in parameters)
                foreach (var set in p.ParameterSets)
                    if (set != ParameterMetadata.AllParameterSets
                        && !raw.Any(r => string.Equals(r.Name, set, StringComparison.OrdinalIgnoreCase)))
                        throw new HelpFormatException(path, section.Line,
                            $"parameter -{p.Name} lists parameter set '{set}', but '## SYNTAX' has no '### {set}' block");
        }

        var result = new List<SyntaxSet>();
        foreach (var r in raw)
        {
            // Positional parameters first, by position; the rest keep page order (stable sort), as platyPS does.
            var names = parameters
                .Select((p, index) => (p, index, meta: p.ForSet(r.Name)))
                .Where(t => t.meta is not null)
                .OrderBy(t => t.meta!.Position == "Named" ? int.MaxValue : int.Parse(t.meta.Position, CultureInfo.InvariantCulture))
                .ThenBy(t => t.index)
                .Select(t => t.p.Name)
                .ToList();
            result.Add(new SyntaxSet(r.Name, r.IsDefault, r.Code, names));
        }
        return result;
    }

    private static List<TypeHelp> ParseTypes(Section s, string path)
    {
        var result = new List<TypeHelp>();
        var blocks = s.Blocks;
        if (blocks.Count > 0 && blocks[0].Kind != BlockKind.Heading)
            throw new HelpFormatException(path, blocks[0].Line, $"text in '## {s.Name}' must follow a '### TypeName' heading (use '### None' when there is none)");
        int i = 0;
        while (i < blocks.Count)
        {
            var h = blocks[i];
            if (h.Level != 3 || h.Text.Length == 0)
                throw new HelpFormatException(path, h.Line, $"'## {s.Name}' expects '### TypeName' headings");
            int j = i + 1;
            while (j < blocks.Count && blocks[j].Kind != BlockKind.Heading) j++;
            result.Add(new TypeHelp(MarkdownText.Inline(h.Text), MarkdownText.Render(blocks.GetRange(i + 1, j - i - 1))));
            i = j;
        }
        return result;
    }

    private static List<LinkHelp> ParseLinks(Section s, string path)
    {
        var result = new List<LinkHelp>();
        foreach (var b in s.Blocks)
        {
            if (b.Kind != BlockKind.Paragraph)
                throw new HelpFormatException(path, b.Line, "'## RELATED LINKS' may only hold '[Text](uri)' lines");
            for (int n = 0; n < b.Lines.Count; n++)
            {
                string line = b.Lines[n].Trim();
                var m = LinkLineRx.Match(line);
                if (!m.Success)
                    throw new HelpFormatException(path, b.Line + n, $"'## RELATED LINKS' line '{line}' is not a markdown link '[Text](uri)'");
                string target = m.Groups[2].Value.Trim();
                // Get-Help only follows absolute URIs; relative .md links keep their text only (as platyPS does).
                string uri = MarkdownText.IsWebUri(target) ? target : "";
                result.Add(new LinkHelp(MarkdownText.Inline(m.Groups[1].Value), uri));
            }
        }
        return result;
    }
}
