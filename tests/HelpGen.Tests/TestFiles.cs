using System.Text;

namespace EncryptionTools.HelpGen.Tests;

/// <summary>A fresh folder under the system temp dir, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "helpgen-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a UTF-8 file (LF endings as given) and returns its full path.</summary>
    public string Write(string relative, string text)
    {
        string full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text, new UTF8Encoding(false));
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public static class Samples
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "samples");

    public static string Text(string file) => File.ReadAllText(Path.Combine(Dir, file)).Replace("\r\n", "\n");

    /// <summary>Copies every sample page into <paramref name="dir"/>/docs and returns that folder.</summary>
    public static string CopyDocs(TempDir dir)
    {
        string docs = dir.Combine("docs");
        Directory.CreateDirectory(docs);
        foreach (var f in Directory.GetFiles(Dir, "*.md"))
            File.Copy(f, Path.Combine(docs, Path.GetFileName(f)));
        return docs;
    }
}
