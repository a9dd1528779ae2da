{
 "patcher": {
  "fileversion": 1,
  "appversion": {
   "major": 8,
   "minor": 5,
   "revision": 0,
   "architecture": "x64",
   "modernui": 1
  },
  "classnamespace": "box",
  "rect": [
   80,
   80,
   720,
   760
  ],
  "bglocked": 0,
  "openinpresentation": 0,
  "default_fontsize": 12.0,
  "default_fontface": 0,
  "default_fontname": "Arial",
  "gridonopen": 1,
  "gridsize": [
   15.0,
   15.0
  ],
  "boxes": [
   {
    "box": {
     "id": "udpsend",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      40,
      560,
      160,
      22
     ],
     "text": "udpsend 127.0.0.1 9000"
    }
   },
   {
    "box": {
     "id": "c-title",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      40,
      10,
      620,
      20
     ],
     "text": "waefader over OSC: play the synth started with `waefader serve` (or `waefader play`) on port 9000. See examples/README.md."
    }
   },
   {
    "box": {
     "id": "c-kb",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      40,
      40,
      300,
      20
     ],
     "text": "keyboard (click = note on, release = note off)"
    }
   },
   {
    "box": {
     "id": "kslider",
     "maxclass": "kslider",
     "numinlets": 2,
     "numoutlets": 2,
     "patching_rect": [
      40,
      62,
      336,
      53
     ],
     "outlettype": [
      "int",
      "int"
     ],
     "mode": 1,
     "parameter_enable": 0
    }
   },
   {
    "box": {
     "id": "pack-kb",
     "maxclass": "newobj",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      40,
      125,
      60,
      22
     ],
     "text": "pack 0 0",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "pre-on",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      40,
      155,
      200,
      22
     ],
     "text": "prepend /waefader/note_on",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "c-midi",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      400,
      40,
      260,
      20
     ],
     "text": "MIDI in (in Max for Live: the track's notes)"
    }
   },
   {
    "box": {
     "id": "notein",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 3,
     "patching_rect": [
      400,
      62,
      60,
      22
     ],
     "text": "notein",
     "outlettype": [
      "int",
      "int",
      "int"
     ]
    }
   },
   {
    "box": {
     "id": "pack-midi",
     "maxclass": "newobj",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      400,
      92,
      60,
      22
     ],
     "text": "pack 0 0",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "c-msg",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      40,
      178,
      300,
      20
     ],
     "text": "messages (click)"
    }
   },
   {
    "box": {
     "id": "m-note",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      40,
      200,
      200,
      22
     ],
     "text": "/waefader/note_on 60 100 0.5",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "m-chord",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      250,
      200,
      200,
      22
     ],
     "text": "/waefader/note_on 64 90 1., /waefader/note_on 67 90 1.",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "m-panic",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      460,
      200,
      200,
      22
     ],
     "text": "/waefader/panic",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "m-sus-on",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      40,
      230,
      200,
      22
     ],
     "text": "/waefader/sustain 1",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "m-sus-off",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      250,
      230,
      200,
      22
     ],
     "text": "/waefader/sustain 0",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "m-rand",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      460,
      230,
      200,
      22
     ],
     "text": "/waefader/latent/randomize 1.",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "m-fifths",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      40,
      260,
      200,
      22
     ],
     "text": "/waefader/preset fifths",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "m-info",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      250,
      260,
      200,
      22
     ],
     "text": "/waefader/info 9001",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "m-status",
     "maxclass": "message",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      460,
      260,
      200,
      22
     ],
     "text": "/waefader/status 9001",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "c-style",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      40,
      320,
      300,
      20
     ],
     "text": "style mix (one slider per style of the model, 0..1)"
    }
   },
   {
    "box": {
     "id": "ms-style",
     "maxclass": "multislider",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      40,
      342,
      120,
      80
     ],
     "outlettype": [
      "",
      ""
     ],
     "size": 3,
     "setminmax": [
      0.0,
      1.0
     ],
     "orientation": 0,
     "setstyle": 1,
     "parameter_enable": 0
    }
   },
   {
    "box": {
     "id": "pre-style",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      40,
      430,
      160,
      22
     ],
     "text": "prepend /waefader/style",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "c-gain",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      260,
      320,
      160,
      20
     ],
     "text": "gain (dB)"
    }
   },
   {
    "box": {
     "id": "gain",
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      260,
      342,
      60,
      22
     ],
     "outlettype": [
      "",
      "bang"
     ],
     "minimum": -80.0,
     "maximum": 12.0,
     "parameter_enable": 0
    }
   },
   {
    "box": {
     "id": "pre-gain",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      372,
      150,
      22
     ],
     "text": "prepend /waefader/gain",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "c-rel",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      260,
      400,
      160,
      20
     ],
     "text": "release (s)"
    }
   },
   {
    "box": {
     "id": "release",
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      260,
      422,
      60,
      22
     ],
     "outlettype": [
      "",
      "bang"
     ],
     "minimum": 0.005,
     "maximum": 20.0,
     "parameter_enable": 0
    }
   },
   {
    "box": {
     "id": "pre-rel",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      452,
      160,
      22
     ],
     "text": "prepend /waefader/release",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "c-lat",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      440,
      320,
      200,
      20
     ],
     "text": "latent x / y (-3..3)"
    }
   },
   {
    "box": {
     "id": "pict",
     "maxclass": "pictslider",
     "numinlets": 2,
     "numoutlets": 2,
     "patching_rect": [
      440,
      342,
      100,
      100
     ],
     "outlettype": [
      "int",
      "int"
     ],
     "parameter_enable": 0
    }
   },
   {
    "box": {
     "id": "sx",
     "maxclass": "newobj",
     "numinlets": 6,
     "numoutlets": 1,
     "patching_rect": [
      440,
      450,
      110,
      22
     ],
     "text": "scale 0 127 -3. 3.",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "sy",
     "maxclass": "newobj",
     "numinlets": 6,
     "numoutlets": 1,
     "patching_rect": [
      560,
      450,
      110,
      22
     ],
     "text": "scale 0 127 3. -3.",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "pak-lat",
     "maxclass": "newobj",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      440,
      480,
      70,
      22
     ],
     "text": "pak 0. 0.",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "pre-lat",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      440,
      510,
      160,
      22
     ],
     "text": "prepend /waefader/latent",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "c-rep",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      260,
      560,
      380,
      20
     ],
     "text": "replies to /info and /status arrive here (port 9001)"
    }
   },
   {
    "box": {
     "id": "udprecv",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      260,
      585,
      120,
      22
     ],
     "text": "udpreceive 9001",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "print",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      260,
      615,
      100,
      22
     ],
     "text": "print waefader"
    }
   },
   {
    "box": {
     "id": "c-transform",
     "maxclass": "comment",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      40,
      650,
      560,
      20
     ],
     "text": "drop a recorded note here: transformed to flute, an octave up (transform mode)"
    }
   },
   {
    "box": {
     "id": "dropfile",
     "maxclass": "dropfile",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      40,
      672,
      160,
      40
     ],
     "outlettype": [
      "",
      ""
     ]
    }
   },
   {
    "box": {
     "id": "conform",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      220,
      680,
      170,
      22
     ],
     "text": "conformpath native absolute",
     "outlettype": [
      "",
      ""
     ]
    }
   },
   {
    "box": {
     "id": "append-tr",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      400,
      680,
      180,
      22
     ],
     "text": "append flute 1 transpose 12",
     "outlettype": [
      ""
     ]
    }
   },
   {
    "box": {
     "id": "prepend-tr",
     "maxclass": "newobj",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      400,
      710,
      180,
      22
     ],
     "text": "prepend /waefader/transform",
     "outlettype": [
      ""
     ]
    }
   }
  ],
  "lines": [
   {
    "patchline": {
     "source": [
      "kslider",
      0
     ],
     "destination": [
      "pack-kb",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "kslider",
      1
     ],
     "destination": [
      "pack-kb",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pack-kb",
      0
     ],
     "destination": [
      "pre-on",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pre-on",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "notein",
      0
     ],
     "destination": [
      "pack-midi",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "notein",
      1
     ],
     "destination": [
      "pack-midi",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pack-midi",
      0
     ],
     "destination": [
      "pre-on",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "m-note",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "m-chord",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "m-panic",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "m-sus-on",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "m-sus-off",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "m-rand",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "m-fifths",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "m-info",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "m-status",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "ms-style",
      0
     ],
     "destination": [
      "pre-style",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pre-style",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "gain",
      0
     ],
     "destination": [
      "pre-gain",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pre-gain",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "release",
      0
     ],
     "destination": [
      "pre-rel",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pre-rel",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pict",
      0
     ],
     "destination": [
      "sx",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pict",
      1
     ],
     "destination": [
      "sy",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "sx",
      0
     ],
     "destination": [
      "pak-lat",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "sy",
      0
     ],
     "destination": [
      "pak-lat",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pak-lat",
      0
     ],
     "destination": [
      "pre-lat",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "pre-lat",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "udprecv",
      0
     ],
     "destination": [
      "print",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "dropfile",
      0
     ],
     "destination": [
      "conform",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "conform",
      0
     ],
     "destination": [
      "append-tr",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "append-tr",
      0
     ],
     "destination": [
      "prepend-tr",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "prepend-tr",
      0
     ],
     "destination": [
      "udpsend",
      0
     ]
    }
   }
  ]
 }
}
