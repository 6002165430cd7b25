using System.Text;
using System.Xml;

namespace EncryptionTools.HelpGen;

/// <summary>
/// Writes the MAML that platyPS's New-ExternalHelp emits (helpItems/command:command with maml, command and dev
/// namespaces), which Get-Help reads from en-US/&lt;Module&gt;.dll-Help.xml.
/// Output is deterministic: commands sorted by name, two-space indent, LF line endings.
/// </summary>
public static class MamlWriter
{
    public const string MshNs = "http://msh";
    public const string MamlNs = "http://schemas.microsoft.com/maml/2004/10";
    public const string CommandNs = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    public const string DevNs = "http://schemas.microsoft.com/maml/dev/2004/10";
    public const string MSHelpNs = "http://msdn.microsoft.com/mshelp";

    /// <summary>UTF-8 without BOM; the declaration says utf-8 whatever writer it goes to.</summary>
    public static readonly Encoding FileEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public static void WriteFile(IEnumerable<CommandHelp> commands, string path)
    {
        using var writer = new StreamWriter(path, append: false, FileEncoding) { NewLine = "\n" };
        Write(commands, writer);
    }

    public static string WriteToString(IEnumerable<CommandHelp> commands)
    {
        using var sw = new StringWriter { NewLine = "\n" };
        Write(commands, sw);
        return sw.ToString();
    }

    public static void Write(IEnumerable<CommandHelp> commands, TextWriter writer)
    {
        var sorted = commands
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();

        // Written by hand: XmlWriter would take the encoding from the TextWriter (utf-16 for a StringWriter).
        writer.Write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        var settings = new XmlWriterSettings
        {
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
            OmitXmlDeclaration = true,
            CloseOutput = false,
        };
        using (var x = XmlWriter.Create(writer, settings))
        {
            x.WriteStartElement("helpItems", MshNs);
            x.WriteAttributeString("schema", "maml");
            foreach (var c in sorted) WriteCommand(x, c);
            x.WriteEndElement();
        }
        writer.Write("\n");
        writer.Flush();
    }

    private static void WriteCommand(XmlWriter x, CommandHelp c)
    {
        x.WriteStartElement("command", "command", CommandNs);
        x.WriteAttributeString("xmlns", "maml", null, MamlNs);
        x.WriteAttributeString("xmlns", "command", null, CommandNs);
        x.WriteAttributeString("xmlns", "dev", null, DevNs);
        x.WriteAttributeString("xmlns", "MSHelp", null, MSHelpNs);

        x.WriteStartElement("command", "details", CommandNs);
        x.WriteElementString("command", "name", CommandNs, c.Name);
        x.WriteElementString("command", "verb", CommandNs, c.Verb);
        x.WriteElementString("command", "noun", CommandNs, c.Noun);
        Paragraphs(x, "description", c.Synopsis);
        x.WriteEndElement();

        Paragraphs(x, "description", c.Description);

        x.WriteStartElement("command", "syntax", CommandNs);
        foreach (var set in c.Syntax)
        {
            x.WriteStartElement("command", "syntaxItem", CommandNs);
            x.WriteElementString("maml", "name", MamlNs, c.Name);
            foreach (var name in set.ParameterNames)
            {
                var p = c.FindParameter(name)!;
                WriteParameter(x, p, p.ForSet(set.Name)!, inSyntax: true);
            }
            x.WriteEndElement();
        }
        x.WriteEndElement();

        x.WriteStartElement("command", "parameters", CommandNs);
        foreach (var p in c.Parameters) WriteParameter(x, p, p.Metadata[0], inSyntax: false);
        x.WriteEndElement();

        TypeList(x, "inputTypes", "inputType", c.Inputs);
        TypeList(x, "returnValues", "returnValue", c.Outputs);

        x.WriteStartElement("maml", "alertSet", MamlNs);
        Paragraphs(x, "alert", c.Notes);
        x.WriteEndElement();

        x.WriteStartElement("command", "examples", CommandNs);
        foreach (var e in c.Examples)
        {
            x.WriteStartElement("command", "example", CommandNs);
            x.WriteElementString("maml", "title", MamlNs, PadExampleTitle(e.Title));
            x.WriteElementString("dev", "code", DevNs, e.Code);
            x.WriteStartElement("dev", "remarks", DevNs);
            ParagraphElements(x, e.Remarks);
            x.WriteEndElement();
            x.WriteEndElement();
        }
        x.WriteEndElement();

        x.WriteStartElement("command", "relatedLinks", CommandNs);
        foreach (var l in c.Links)
        {
            x.WriteStartElement("maml", "navigationLink", MamlNs);
            x.WriteElementString("maml", "linkText", MamlNs, l.Text);
            x.WriteElementString("maml", "uri", MamlNs, l.Uri);
            x.WriteEndElement();
        }
        x.WriteEndElement();

        x.WriteEndElement();
    }

    private static void WriteParameter(XmlWriter x, ParameterHelp p, ParameterMetadata m, bool inSyntax)
    {
        string type = p.IsSwitch ? "SwitchParameter" : m.Type;
        x.WriteStartElement("command", "parameter", CommandNs);
        x.WriteAttributeString("required", Bool(m.Required));
        x.WriteAttributeString("variableLength", "true");
        x.WriteAttributeString("globbing", Bool(m.AcceptWildcardCharacters));
        x.WriteAttributeString("pipelineInput", m.AcceptPipelineInput);
        x.WriteAttributeString("position", m.Position.ToLowerInvariant());
        x.WriteAttributeString("aliases", m.Aliases.Count > 0 ? string.Join(", ", m.Aliases) : "none");

        x.WriteElementString("maml", "name", MamlNs, p.Name);
        Paragraphs(x, "description", p.Description);

        if (inSyntax && m.AcceptedValues.Count > 0)
        {
            x.WriteStartElement("command", "parameterValueGroup", CommandNs);
            foreach (var v in m.AcceptedValues)
            {
                x.WriteStartElement("command", "parameterValue", CommandNs);
                x.WriteAttributeString("required", "false");
                x.WriteAttributeString("variableLength", "false");
                x.WriteString(v);
                x.WriteEndElement();
            }
            x.WriteEndElement();
        }

        // Like platyPS: a switch in a syntax item gets no value element, so Get-Help prints [-Force], not [-Force <SwitchParameter>].
        if (!inSyntax || !p.IsSwitch)
        {
            x.WriteStartElement("command", "parameterValue", CommandNs);
            x.WriteAttributeString("required", Bool(!p.IsSwitch));
            x.WriteAttributeString("variableLength", "false");
            x.WriteString(type);
            x.WriteEndElement();
        }

        x.WriteStartElement("dev", "type", DevNs);
        x.WriteElementString("maml", "name", MamlNs, type);
        x.WriteStartElement("maml", "uri", MamlNs);
        x.WriteEndElement();
        x.WriteEndElement();

        x.WriteElementString("dev", "defaultValue", DevNs, m.DefaultValue ?? (p.IsSwitch ? "False" : "None"));
        x.WriteEndElement();
    }

    private static void TypeList(XmlWriter x, string listName, string itemName, IReadOnlyList<TypeHelp> types)
    {
        x.WriteStartElement("command", listName, CommandNs);
        foreach (var t in types)
        {
            x.WriteStartElement("command", itemName, CommandNs);
            x.WriteStartElement("dev", "type", DevNs);
            x.WriteElementString("maml", "name", MamlNs, t.TypeName);
            x.WriteEndElement();
            Paragraphs(x, "description", t.Description);
            x.WriteEndElement();
        }
        x.WriteEndElement();
    }

    private static void Paragraphs(XmlWriter x, string element, string text)
    {
        x.WriteStartElement("maml", element, MamlNs);
        ParagraphElements(x, text);
        x.WriteEndElement();
    }

    private static void ParagraphElements(XmlWriter x, string text)
    {
        if (text.Length == 0) return;
        foreach (var para in text.Split("\n\n"))
            x.WriteElementString("maml", "para", MamlNs, para);
    }

    private static string Bool(bool b) => b ? "true" : "false";

    /// <summary>platyPS centres example titles in dashes to 64 columns, the look Get-Help users know.</summary>
    public static string PadExampleTitle(string title)
    {
        if (string.IsNullOrWhiteSpace(title) || title.Length >= 62) return title;
        int pad = (64 - title.Length - 2) / 2;
        return new string('-', pad) + " " + title + " " + new string('-', pad);
    }
}
