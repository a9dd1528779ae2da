"""The voice slots, allocation and stealing (callback-side only, no allocation).

``max_voices`` notes sound at once; a new note beyond that *steals*: the oldest releasing
voice, else the oldest playing one, fades out fast (``steal_fade_ms``) in one of the extra
``tail`` slots while the new note starts. Only when every slot is busy fading is the
quietest fading voice cut.
"""

from __future__ import annotations

from realtime.engine.voice import FREE, PLAYING, RELEASING, Voice


class VoicePool:
    def __init__(self, max_voices: int, tail_voices: int) -> None:
        self.max_voices = max_voices
        self.voices = [Voice(i) for i in range(max_voices + tail_voices)]
        self._order = 0

    def next_order(self) -> int:
        self._order += 1
        return self._order

    def allocate(self, steal_coef: float) -> tuple[Voice, bool]:
        """A free slot for a new note; returns (voice, whether a voice was stolen)."""
        free = None
        active = 0
        oldest_rel = None
        oldest_play = None
        quietest = None
        for v in self.voices:
            if v.state == FREE:
                if free is None:
                    free = v
                continue
            if not v.counted:
                if quietest is None or v.level < quietest.level:
                    quietest = v
                continue
            active += 1
            if v.state == RELEASING:
                if oldest_rel is None or v.order < oldest_rel.order:
                    oldest_rel = v
            elif oldest_play is None or v.order < oldest_play.order:
                oldest_play = v
        stolen = False
        if active >= self.max_voices:
            victim = oldest_rel if oldest_rel is not None else oldest_play
            if victim is not None:
                stolen = True
                if victim.started:
                    victim.fade_out(steal_coef)
                else:
                    victim.free()  # never sounded: nothing to fade
                    if free is None:
                        free = victim
        if free is None:
            if quietest is None:  # cannot happen with tail_voices >= 1; stay defensive
                quietest = self.voices[0]
            quietest.free()
            free = quietest
        return free, stolen

    def find_playing(self, note_id: int) -> Voice | None:
        for v in self.voices:
            if v.note_id == note_id and v.state != FREE:
                return v
        return None

    def release(self, pitch: int, frame: int, sustain: bool) -> bool:
        """Note-off: the oldest held voice of this pitch. Under the sustain pedal it is only
        marked, and released when the pedal goes up."""
        target = None
        for v in self.voices:
            if (
                v.state == PLAYING
                and v.pitch == pitch
                and v.off_frame < 0
                and not v.sustained
                and (target is None or v.order < target.order)
            ):
                target = v
        if target is None:
            return False
        if sustain:
            target.sustained = True
        else:
            target.release_at(frame)
        return True

    def pedal_up(self, frame: int) -> None:
        for v in self.voices:
            if v.sustained and v.state == PLAYING:
                v.sustained = False
                v.release_at(frame)

    def fade_all(self, coef: float) -> None:
        for v in self.voices:
            if v.state != FREE:
                if v.started:
                    v.fade_out(coef)
                else:
                    v.free()

    def last_off(self) -> int:
        """The latest note-off frame a playing voice is due to release at (-1: none)."""
        last = -1
        for v in self.voices:
            if v.state == PLAYING and v.off_frame > last:
                last = v.off_frame
        return last

    def count(self) -> int:
        n = 0
        for v in self.voices:
            if v.state != FREE:
                n += 1
        return n
