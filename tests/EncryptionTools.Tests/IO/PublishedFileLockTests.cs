using System.Runtime.InteropServices;
using EncryptionTools.Engine.IO;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.IO;

/// <summary>
/// A published output must never look in use. A child process forked by any thread while an output is open holds a
/// copy of its descriptor until it execs; the output's lock belongs to the open file, so it outlived our close and a
/// reader of the just-published file failed with "being used by another process". A dup stands in for that copy.
/// </summary>
public class PublishedFileLockTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_published_file_opens_while_a_copy_of_its_writers_descriptor_lives(bool unnamed)
    {
        if (!UnixFile.IsSupported) return;
        using var dir = new TempDir();
        var path = dir.File("out.bin");
        int copy;
        using (var output = AtomicFile.Create(path, overwrite: false, unnamed: unnamed))
        {
            output.Stream.Write([1, 2, 3]);
            output.Stream.Flush(flushToDisk: true);
            copy = dup((int)output.Stream.SafeFileHandle.DangerousGetHandle());
            Assert.True(copy >= 0, $"dup failed: {Marshal.GetLastPInvokeError()}");
            output.Publish();
        }
        try
        {
            Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
            using var exclusive = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        }
        finally
        {
            close(copy);
        }
    }
}
