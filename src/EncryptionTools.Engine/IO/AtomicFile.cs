using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace EncryptionTools.Engine.IO;

/// <summary>
/// Output that appears under its final name whole or not at all: a private temporary file beside the
/// destination, flushed to disk, then renamed into place. A writer holds an exclusive lock on its temporary
/// file, so a later run can tell the leftovers of a killed process from live work and remove them.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    /// <summary>Temporary files end with this, and start with a dot so they stay out of listings.</summary>
    public const string TempSuffix = ".etpart";

    /// <summary>New temporary names to try when concurrent sweeps keep taking the file before it is locked.</summary>
    private const int MaxCreateAttempts = 10;

    private readonly string _finalPath;
    private readonly bool _overwrite;
    private bool _committed;

    /// <summary>An O_TMPFILE file: no name until it is published (so a killed process leaves nothing behind).</summary>
    private bool _unnamed;

    private AtomicFile(string finalPath, string tempPath, FileStream stream, bool overwrite, bool unnamed = false)
    {
        _finalPath = finalPath;
        TempPath = tempPath;
        Stream = stream;
        _overwrite = overwrite;
        _unnamed = unnamed;
    }

    /// <summary>
    /// Exclusive on both systems. On Unix only FileShare.None takes an exclusive lock (anything else is shared);
    /// on Windows Delete must be shared so an open file can be renamed or deleted by the handle's owner.
    /// </summary>
    private static FileShare ExclusiveShare => OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None;

    public FileStream Stream { get; }

    /// <summary>The temporary file's name; for an unnamed (O_TMPFILE) output, the name it takes only for its final rename.</summary>
    public string TempPath { get; }

    /// <summary>
    /// Starts a new output for <paramref name="finalPath"/>; fails at once when it exists and may not be overwritten.
    /// <paramref name="sweep"/>: first remove dead writers' temporaries from the directory (a batch does that once per directory).
    /// </summary>
    /// <remarks>
    /// <c>unnamed</c>: on Linux write the temporary without a name (O_TMPFILE), linked into the directory only when
    /// published, so a killed process leaves nothing (plaintext included) behind. Falls back to a named temporary where
    /// the file system or platform cannot.
    /// </remarks>
    public static AtomicFile Create(string finalPath, bool overwrite, bool sweep = true, bool unnamed = false)
    {
        finalPath = Path.GetFullPath(finalPath);
        var directory = Path.GetDirectoryName(finalPath)!;
        if (!overwrite && Path.Exists(finalPath)) throw new DestinationExistsException(finalPath);
        if (Directory.Exists(finalPath))
            throw new OutputWriteException($"The destination '{finalPath}' is a directory.");
        SpecialFiles.CheckDestination(finalPath);
        if (sweep) CleanupStale(directory);
        if (unnamed && CreateUnnamed(finalPath, directory, overwrite) is { } nameless) return nameless;
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = ExclusiveShare, // the lock that tells a live writer from a dead one
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        for (var attempt = 1; ; attempt++)
        {
            var tempPath = NewTempPath(finalPath, directory);
            FileStream stream;
            try
            {
                stream = new FileStream(tempPath, options);
            }
            catch (IOException) when (attempt < MaxCreateAttempts)
            {
                continue; // a concurrent sweep took the new file in the moment before our lock (Unix creates, then locks)
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new OutputWriteException($"Cannot create a temporary file in '{directory}': {ex.Message}", ex);
            }
            // In that same moment a sweep may have locked and deleted it: then we hold a lock on a nameless file.
            if (File.Exists(tempPath)) return new AtomicFile(finalPath, tempPath, stream, overwrite);
            stream.Dispose();
            if (attempt == MaxCreateAttempts) throw new OutputWriteException($"Cannot create a temporary file in '{directory}': it vanished as it was created.");
        }
    }

    private static string NewTempPath(string finalPath, string directory) =>
        Path.Combine(directory, "." + Path.GetFileName(finalPath) + "." + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant() + TempSuffix);

    /// <summary>An O_TMPFILE output, exclusively locked; null where the file system does not support it (the caller falls back).</summary>
    private static AtomicFile? CreateUnnamed(string finalPath, string directory, bool overwrite)
    {
        if (!UnixFile.IsSupported || !Directory.Exists("/proc/self/fd")) return null;
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = UnixFile.Open(directory, UnixFile.TmpFile | UnixFile.ReadWrite, 0x180 /* 0600 */);
        }
        catch (UnixIOException ex) when (ex.Errno is UnixFile.EOPNOTSUPP or UnixFile.EISDIR or UnixFile.EINVAL)
        {
            return null; // this file system has no O_TMPFILE
        }
        catch (UnixIOException ex)
        {
            throw new OutputWriteException($"Cannot create a temporary file in '{directory}': {ex.Message}", ex);
        }
        try
        {
            UnixFile.TryLock(handle, exclusive: true); // nobody else can reach it yet: this always succeeds
            return new AtomicFile(finalPath, NewTempPath(finalPath, directory), new FileStream(handle, FileAccess.ReadWrite, 0), overwrite, unnamed: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The last step of publishing: an unnamed output is linked straight to its final name when it may not overwrite
    /// (linkat never replaces: EEXIST), else under its locked temporary name and renamed over; a named one is renamed.
    /// </summary>
    private void MoveIntoPlace()
    {
        if (!_unnamed)
        {
            File.Move(TempPath, _finalPath, _overwrite);
            return;
        }
        if (!_overwrite)
        {
            try { UnixFile.Link(Stream.SafeFileHandle, _finalPath); }
            catch (UnixIOException ex) when (ex.Errno == UnixFile.EEXIST) { throw new DestinationExistsException(_finalPath); }
            _unnamed = false;
            return;
        }
        UnixFile.Link(Stream.SafeFileHandle, TempPath);
        _unnamed = false; // named now: Dispose removes it if the rename fails
        File.Move(TempPath, _finalPath, overwrite: true);
    }

    /// <summary>Flushes to disk, then renames into place and makes the rename durable.</summary>
    public void Commit(UnixFileMode? finalMode = null)
    {
        if (_committed) throw new InvalidOperationException("Already committed.");
        try
        {
            Stream.Flush(flushToDisk: true);
            if (finalMode is { } mode && !OperatingSystem.IsWindows()) File.SetUnixFileMode(Stream.SafeFileHandle, mode);
            // Renamed while still open and locked: unlocked first, the temporary file would look like a dead
            // writer's, and a concurrent CleanupStale (any other run into this directory) could delete it.
            // Without overwrite, .NET links then unlinks on Unix, so an existing file is never replaced by a race.
            MoveIntoPlace();
            _committed = true;
            CloseStream();
            FsyncDirectory(Path.GetDirectoryName(_finalPath)!);
        }
        catch (IOException ex) when (!_overwrite && Path.Exists(_finalPath) && !_committed)
        {
            throw new DestinationExistsException(_finalPath) { Target = ex };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !_committed)
        {
            throw new OutputWriteException($"Cannot write '{_finalPath}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The rename of a batch's <see cref="Commit"/>: the caller has made the data durable first
    /// (<see cref="FlushToDisk"/>) and syncs the directories afterwards (<see cref="FsyncDirectory"/>), once for the batch.
    /// </summary>
    public void Publish(UnixFileMode? finalMode = null)
    {
        if (_committed) throw new InvalidOperationException("Already committed.");
        try
        {
            if (finalMode is { } mode && !OperatingSystem.IsWindows()) File.SetUnixFileMode(Stream.SafeFileHandle, mode);
            MoveIntoPlace(); // still open and locked: see Commit
            _committed = true;
            CloseStream();
        }
        catch (IOException ex) when (!_overwrite && Path.Exists(_finalPath) && !_committed)
        {
            throw new DestinationExistsException(_finalPath) { Target = ex };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !_committed)
        {
            throw new OutputWriteException($"Cannot write '{_finalPath}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Makes every file's data durable; null for each that succeeded, else its error. On Linux one syncfs per file system
    /// writes them all back together (a journal commit per file is what made per-file fsync cost ~0.5 ms on ext4), and
    /// the fsync that follows for each file is then nearly free but still reports that file's write-back errors.
    /// </summary>
    public static Exception?[] FlushToDisk(IReadOnlyList<AtomicFile> files)
    {
        if (OperatingSystem.IsLinux() && files.Count > 1)
        {
            var synced = new HashSet<ulong>();
            foreach (var file in files)
            {
                if (Native.DeviceOf(file.Stream.SafeFileHandle) is { } device && synced.Add(device))
                    _ = Native.syncfs((int)file.Stream.SafeFileHandle.DangerousGetHandle());
            }
        }
        var errors = new Exception?[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            try { files[i].Stream.Flush(flushToDisk: true); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { errors[i] = ex; }
        }
        return errors;
    }

    /// <summary>Closes the output, its lock dropped first (see <see cref="UnixFile.Unlock"/>).</summary>
    private void CloseStream()
    {
        if (UnixFile.IsSupported && !Stream.SafeFileHandle.IsClosed) UnixFile.Unlock(Stream.SafeFileHandle);
        Stream.Dispose();
    }

    /// <summary>Not committed: the temporary file goes, and nothing appears under the final name.</summary>
    public void Dispose()
    {
        if (_committed) return;
        try { CloseStream(); } catch (IOException) { /* a full disk can fail the final flush; the file goes anyway */ }
        if (_unnamed) return; // closing it freed it: it never had a name
        try { File.Delete(TempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Removes temporary files that no live writer holds (left by a killed process). Returns how many.</summary>
    public static int CleanupStale(string directory)
    {
        var removed = 0;
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateFiles(directory, "." + "*" + TempSuffix); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return 0; }
        foreach (var path in candidates)
        {
            try
            {
                // Taking the exclusive lock proves the writer is gone. Deleting while still holding it means a writer
                // that created this file but has not locked it yet finds it gone once it has (see Create).
                using (OpenOwnTemporary(path))
                    File.Delete(path);
                removed++;
            }
            catch (IOException) { /* held by a live writer */ }
            catch (UnauthorizedAccessException) { /* not ours to remove */ }
        }
        return removed;
    }

    /// <summary>
    /// Opens a leftover temporary for the sweep. On Linux never through a link and never blocking, and only a regular
    /// file of this user's that no one else may write: another user's file planted in a shared directory is not ours
    /// to open or remove (UnauthorizedAccessException, skipped).
    /// </summary>
    private static IDisposable OpenOwnTemporary(string path)
    {
        if (!UnixFile.IsSupported) return new FileStream(path, FileMode.Open, FileAccess.ReadWrite, ExclusiveShare);
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try { handle = UnixFile.Open(path, UnixFile.ReadOnly | UnixFile.NoFollow | UnixFile.NonBlocking); }
        catch (UnixIOException ex) when (ex.Errno == UnixFile.ELOOP) { throw new UnauthorizedAccessException($"'{path}' is a symbolic link.", ex); }
        try
        {
            var status = UnixFile.Stat(handle);
            if (!status.IsRegular || status.Owner != UnixFile.EffectiveUserId || (status.Permissions & 0x12) != 0 /* group/other write */)
                throw new UnauthorizedAccessException($"'{path}' is not a temporary file of this user's.");
            if (!UnixFile.TryLock(handle, exclusive: true)) throw new IOException($"'{path}' is held by a live writer.");
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>A rename is durable only once its directory is synced (POSIX); Windows has no equivalent call.</summary>
    public static void FsyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = Native.open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { Native.fsync(fd); } finally { Native.close(fd); }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int syncfs(int fd);

        [DllImport("libc", SetLastError = true)]
        private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

        /// <summary>The file system (device) a file is on, from statx, whose layout is the same on every Linux architecture; null if unknown.</summary>
        public static ulong? DeviceOf(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
        {
            const int AtEmptyPath = 0x1000;
            var buffer = new byte[256];
            try
            {
                if (statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, 0, buffer) != 0) return null;
            }
            catch (EntryPointNotFoundException) { return null; }
            // stx_dev_major and stx_dev_minor, native-endian.
            return ((ulong)BitConverter.ToUInt32(buffer, 0x88) << 32) | BitConverter.ToUInt32(buffer, 0x8C);
        }

        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
