namespace EncryptionTools.HelpGen;

public enum PageKind { Command, About, Module, Ignored }

/// <summary>What one run wrote, relative file names in output order.</summary>
public sealed record GenerationResult(IReadOnlyList<string> FilesWritten, int CommandCount, int AboutCount);

/// <summary>Thrown when one or more pages are malformed; carries every problem found, not only the first.</summary>
public sealed class HelpGenerationException(IReadOnlyList<HelpFormatException> errors)
    : Exception(string.Join(Environment.NewLine, errors.Select(e => e.Message)))
{
    public IReadOnlyList<HelpFormatException> Errors { get; } = errors;
}

/// <summary>The whole docs → en-US run. Nothing is written unless every page is valid.</summary>
public static class HelpGenerator
{
    /// <summary>
    /// about_*.md → About; a page whose front matter says it is the module page (Module Guid / document type: module)
    /// or README.md → ignored; any other .md is a cmdlet page and must be valid.
    /// </summary>
    public static PageKind Classify(string path)
    {
        string file = Path.GetFileName(path);
        if (file.StartsWith("about_", StringComparison.OrdinalIgnoreCase)) return PageKind.About;
        if (file.Equals("README.md", StringComparison.OrdinalIgnoreCase)) return PageKind.Ignored;
        var lines = MarkdownBlocks.ReadText(path).Split('\n');
        try
        {
            var front = MarkdownHelpParser.ReadFrontMatter(lines, path, out _);
            if (front is not null
                && (front.ContainsKey("Module Guid")
                    || (front.TryGetValue("document type", out var t) && t.Equals("module", StringComparison.OrdinalIgnoreCase))))
                return PageKind.Module;
        }
        catch (HelpFormatException)
        {
            // Unclosed front matter: let the cmdlet parser report it.
        }
        // Guides such as performance.md (and performance-files.md) live beside the cmdlet pages; only Verb-Noun pages
        // in PowerShell's PascalCase are cmdlet help.
        return System.Text.RegularExpressions.Regex.IsMatch(file, @"^[A-Z][A-Za-z]*-[A-Z][A-Za-z]*\.md$") ? PageKind.Command : PageKind.Ignored;
    }

    public static GenerationResult Generate(string docsDir, string outDir, string moduleName)
    {
        if (!Directory.Exists(docsDir))
            throw new DirectoryNotFoundException($"docs folder '{docsDir}' does not exist");

        var pages = Directory.GetFiles(docsDir, "*.md", SearchOption.TopDirectoryOnly)
            .OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal)
            .ToList();

        var errors = new List<HelpFormatException>();
        var commands = new List<CommandHelp>();
        var abouts = new List<(string File, string Text)>();

        foreach (var page in pages)
        {
            try
            {
                switch (Classify(page))
                {
                    case PageKind.Command:
                        var cmd = MarkdownHelpParser.ParseCommandPage(page);
                        if (cmd.ModuleName is not null && !cmd.ModuleName.Equals(moduleName, StringComparison.OrdinalIgnoreCase))
                            throw new HelpFormatException(page, 1, $"front matter says 'Module Name: {cmd.ModuleName}', but this run builds module '{moduleName}'");
                        var dup = commands.FirstOrDefault(c => c.Name.Equals(cmd.Name, StringComparison.OrdinalIgnoreCase));
                        if (dup is not null)
                            throw new HelpFormatException(page, 0, $"cmdlet '{cmd.Name}' is already documented in {dup.SourcePath}");
                        commands.Add(cmd);
                        break;
                    case PageKind.About:
                        abouts.Add((AboutHelpConverter.OutputFileName(page), AboutHelpConverter.ConvertFile(page)));
                        break;
                }
            }
            catch (HelpFormatException e)
            {
                errors.Add(e);
            }
        }

        if (errors.Count == 0 && commands.Count == 0)
            errors.Add(new HelpFormatException(docsDir, 0, "no cmdlet pages found (a cmdlet page has 'external help file:' in its front matter)"));
        if (errors.Count > 0) throw new HelpGenerationException(errors);

        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        // Normally one group (EncryptionTools.dll-Help.xml); several values each get their own file.
        foreach (var group in commands.GroupBy(c => c.ExternalHelpFile, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            MamlWriter.WriteFile(group, Path.Combine(outDir, group.Key));
            written.Add(group.Key);
        }
        foreach (var (file, text) in abouts)
        {
            File.WriteAllText(Path.Combine(outDir, file), text, MamlWriter.FileEncoding);
            written.Add(file);
        }
        return new GenerationResult(written, commands.Count, abouts.Count);
    }
}
